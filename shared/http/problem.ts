/**
 * The one mapper from errors to RFC 9457 application/problem+json responses.
 */
import type { HttpResponseInit } from '@azure/functions';
import { AppError } from '../errors';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

const STATUS_SLUGS: Record<number, string> = {
  400: 'bad-request',
  401: 'unauthorized',
  404: 'not-found',
  405: 'method-not-allowed',
  412: 'precondition-failed',
  413: 'payload-too-large',
  415: 'unsupported-media-type',
  422: 'unprocessable',
  428: 'precondition-required',
  500: 'internal',
  503: 'unavailable',
};

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  [extension: string]: unknown;
}

export function problemType(status: number): string {
  return `https://movie-catalog.example/problems/${STATUS_SLUGS[status] ?? String(status)}`;
}

export function problemResponse(
  status: number,
  title: string,
  detail: string,
  extensions: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): HttpResponseInit {
  const body: Problem = { type: problemType(status), title, status, detail, ...extensions };
  return { status, headers: { 'Content-Type': PROBLEM_CONTENT_TYPE, ...headers }, jsonBody: body };
}

/**
 * Maps any thrown value to a response. Typed errors keep their status; anything else is an internal
 * error whose details stay in the log (never in the response: they may carry secrets).
 */
export function toProblem(error: unknown, correlationId?: string): HttpResponseInit {
  const instance = correlationId ? { instance: `urn:correlation:${correlationId}` } : {};
  if (error instanceof AppError) {
    return problemResponse(
      error.status,
      error.title,
      error.message,
      { ...instance, ...error.extensions },
      error.headers,
    );
  }
  return problemResponse(500, 'Internal error', 'An unexpected error occurred; it has been logged.', instance);
}

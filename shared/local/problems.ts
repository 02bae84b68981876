/**
 * Problems the local host answers itself (no route, wrong method, no key, a body too large, a request
 * the parser refuses, its own failure) go through the one mapper, `toProblem`, like every function's:
 * application/problem+json with `instance` and the X-Correlation-Id header.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import type { HttpResponseInit } from '@azure/functions';
import { AppError } from '../errors';
import { toProblem } from '../http/problem';
import { isCorrelationId, withCorrelation } from '../registry';
import { MalformedRequestError, writeResponse } from './exchange';

/** Headers too large for Node's HTTP parser. */
export class RequestHeadersTooLargeError extends AppError {
  readonly status = 431;
  readonly title = 'Request header fields too large';
}

/** The correlation id of a request the host answers itself: the caller's when valid, else a new one. */
export function hostCorrelationId(headers: IncomingHttpHeaders = {}): string {
  const given = headers['x-correlation-id'];
  return isCorrelationId(given) ? given : randomUUID();
}

/** The answer to `error`: the mapper's problem, with the correlation header. */
export function hostProblem(error: unknown, correlationId: string): HttpResponseInit {
  return withCorrelation(toProblem(error, correlationId), correlationId);
}

export function writeProblem(res: ServerResponse, error: unknown, headers: IncomingHttpHeaders): Promise<void> {
  return writeResponse(res, hostProblem(error, hostCorrelationId(headers)));
}

/** The error a request Node's HTTP parser rejects stands for. */
export function parserError(error: NodeJS.ErrnoException): AppError {
  if (error.code === 'HPE_HEADER_OVERFLOW')
    return new RequestHeadersTooLargeError('The request headers are too large.');
  return new MalformedRequestError(
    `The request could not be parsed (${error.code ?? 'parse error'}): a header name or value holds characters ` +
      'HTTP does not allow, or the request line is malformed.',
  );
}

/**
 * Requests Node's HTTP parser rejects before any handler runs (bad bytes in a header value, a malformed
 * request line, oversized headers) get the same problem+json as every other error, on the raw socket.
 */
export function rawProblem(error: NodeJS.ErrnoException): string {
  const problem = parserError(error);
  const response = hostProblem(problem, randomUUID());
  const body = JSON.stringify(response.jsonBody);
  const headers = Object.entries(response.headers as Record<string, string>).map(
    ([name, value]) => `${name}: ${value}`,
  );
  return [
    `HTTP/1.1 ${problem.status} ${problem.title}`,
    ...headers,
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Connection: close',
    '',
    body,
  ].join('\r\n');
}

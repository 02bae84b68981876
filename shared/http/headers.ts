/**
 * Header parsing shared by the endpoints, and the header documentation reused by the OpenAPI document.
 */
import type { HttpRequest, InvocationContext } from '@azure/functions';
import { z } from 'zod';
import type { CommandMetadata } from '../domain/decider';
import { MOVIE_ID_PATTERN } from '../domain/movie';
import { NotFoundError, PreconditionRequiredError, ValidationError } from '../errors';
import { correlationIdOf, type ParameterDoc } from '../registry';
import { currentTraceparent } from '../observability';

const ETAG = /^(?:W\/)?"([1-9][0-9]{0,14})"$/;

/** `"<version>"` -> version; anything else is a 400 naming the header. */
export function parseETag(header: string, value: string): number {
  const match = ETAG.exec(value.trim());
  if (!match) throw new ValidationError([{ path: `header.${header}`, message: 'must be an ETag like "3"' }]);
  return Number(match[1]);
}

export function etag(version: number): string {
  return `"${version}"`;
}

/** The If-Match version, required (428) on replace, patch and delete. */
export function requireIfMatch(request: HttpRequest): number {
  const value = request.headers.get('if-match');
  if (value === null) throw new PreconditionRequiredError('This request needs an If-Match header with the ETag of the version it changes.');
  return parseETag('If-Match', value);
}

/** A movie id from the route; an id that cannot exist is simply not found. */
export function movieIdParam(request: HttpRequest): string {
  const id = request.params.id ?? '';
  if (!MOVIE_ID_PATTERN.test(id)) throw new NotFoundError(`Movie ${JSON.stringify(id.slice(0, 80))} does not exist.`);
  return id;
}

export function idempotencyKey(request: HttpRequest): string | undefined {
  const key = request.headers.get('idempotency-key');
  if (key === null) return undefined;
  if (key.length < 1 || key.length > 200 || !/^[\x21-\x7e]+$/.test(key)) {
    throw new ValidationError([{ path: 'header.Idempotency-Key', message: 'must be 1-200 visible ASCII characters' }]);
  }
  return key;
}

/** Command metadata from the request: time from the clock, correlation and trace from the headers. */
export function commandMetadata(
  request: HttpRequest,
  context: InvocationContext,
  now: Date,
  extra: { idempotencyKey?: string; requestHash?: string } = {},
): CommandMetadata {
  // The active request span when telemetry runs; else what the caller or the host passed in.
  const traceparent = currentTraceparent() ?? request.headers.get('traceparent') ?? context.traceContext?.traceParent ?? undefined;
  return {
    occurredAt: now.toISOString(),
    correlationId: correlationIdOf(request, context),
    ...(traceparent && /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/.test(traceparent) ? { traceparent } : {}),
    ...(extra.idempotencyKey ? { idempotencyKey: extra.idempotencyKey, requestHash: extra.requestHash } : {}),
  };
}

const etagSchema = z.string().describe('An ETag: the version in double quotes, e.g. "3"');

export const params = {
  id: { name: 'id', in: 'path', required: true, description: 'Movie id', schema: z.string().regex(MOVIE_ID_PATTERN) },
  ifMatch: { name: 'If-Match', in: 'header', required: true, description: 'ETag of the version this request changes (optimistic concurrency).', schema: etagSchema },
  ifNoneMatchStar: { name: 'If-None-Match', in: 'header', description: '`*` to create with this id (fails with 412 if it exists).', schema: z.literal('*') },
  ifNoneMatch: { name: 'If-None-Match', in: 'header', description: 'ETag the client has; 304 if it is still current.', schema: etagSchema },
  idempotencyKey: { name: 'Idempotency-Key', in: 'header', description: 'Makes a retried create safe: same key and body replay the first answer.', schema: z.string().min(1).max(200) },
  minVersion: { name: 'X-Min-Version', in: 'header', description: 'Read-your-writes: answer from the write store if the read model is older than this version.', schema: z.string().regex(/^[1-9][0-9]*$/) },
} satisfies Record<string, ParameterDoc>;

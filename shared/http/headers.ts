/**
 * Header parsing shared by the endpoints, and the header documentation reused by the OpenAPI document.
 */
import type { HttpRequest } from '@azure/functions';
import { z, type ZodType } from 'zod';
import { validate } from './request';
import { MOVIE_ID_PATTERN } from '../domain/movie';
import { NotFoundError, PreconditionRequiredError } from '../errors';
import type { ParameterDoc } from './docs';

const ETAG = /^(?:W\/)?"([1-9][0-9]{0,14})"$/;
const ETAG_LIST = /^(?:\*|(?:W\/)?"[1-9][0-9]{0,14}"(?:[ ]*,[ ]*(?:W\/)?"[1-9][0-9]{0,14}")*)$/;

// The header schemas: each validates its header (below) and documents it (params, OpenAPI).
const EtagSchema = z
  .string()
  .regex(ETAG, 'must be an ETag like "3"')
  .describe('An ETag: the version in double quotes, e.g. "3"');
const EtagListSchema = z
  .string()
  .regex(ETAG_LIST, 'must be * or a list of ETags like "3"')
  .describe('* or ETags, e.g. "3"');
const StarSchema = z.literal('*', { error: 'must be * (create only if absent)' });
const MinVersionSchema = z.string().regex(/^[1-9][0-9]{0,14}$/, 'must be a positive integer version');
const IdempotencyKeySchema = z.string().regex(/^[!-~]{1,200}$/, 'must be 1-200 visible ASCII characters');

/** A header validated by the schema that documents it; absent -> undefined; invalid -> 400 naming it. */
export function headerValue<S extends ZodType>(
  request: HttpRequest,
  param: { readonly name: string; readonly schema: S },
): z.output<S> | undefined {
  const value = request.headers.get(param.name);
  if (value === null) return undefined;
  return validate(param.schema, value.trim(), `header.${param.name}`);
}

/** `"<version>"` -> version; anything else is a 400 naming the header. */
export function parseETag(header: string, value: string): number {
  const match = ETAG.exec(validate(EtagSchema, value.trim(), `header.${header}`));
  return Number(match![1]);
}

/** True when an If-None-Match value (validated) names `version` or is `*`. */
export function ifNoneMatchHits(value: string, version: number): boolean {
  return value === '*' || value.split(',').some((t) => t.trim().replace(/^W\//, '') === etag(version));
}

export function etag(version: number): string {
  return `"${version}"`;
}

/** The If-Match version, required (428) on replace, patch and delete. */
export function requireIfMatch(request: HttpRequest): number {
  const value = request.headers.get('if-match');
  if (value === null)
    throw new PreconditionRequiredError(
      'This request needs an If-Match header with the ETag of the version it changes.',
    );
  return parseETag('If-Match', value);
}

/** A movie id from the route; an id that cannot exist is simply not found. */
export function movieIdParam(request: HttpRequest): string {
  const id = request.params.id ?? '';
  if (!MOVIE_ID_PATTERN.test(id)) throw new NotFoundError(`Movie ${JSON.stringify(id.slice(0, 80))} does not exist.`);
  return id;
}

export function idempotencyKey(request: HttpRequest): string | undefined {
  return headerValue(request, params.idempotencyKey);
}

export const params = {
  id: { name: 'id', in: 'path', required: true, description: 'Movie id', schema: z.string().regex(MOVIE_ID_PATTERN) },
  ifMatch: {
    name: 'If-Match',
    in: 'header',
    required: true,
    description: 'ETag of the version this request changes (optimistic concurrency); 428 without it.',
    schema: EtagSchema,
  },
  ifNoneMatchStar: {
    name: 'If-None-Match',
    in: 'header',
    description: '`*` to create with this id (fails with 412 if it exists).',
    schema: StarSchema,
  },
  ifNoneMatch: {
    name: 'If-None-Match',
    in: 'header',
    description: 'ETags the client has, or `*`; 304 if one is the current version (`*`: if the movie exists).',
    schema: EtagListSchema,
  },
  idempotencyKey: {
    name: 'Idempotency-Key',
    in: 'header',
    description: 'Makes a retried create safe: same key and body replay the first answer.',
    schema: IdempotencyKeySchema,
  },
  minVersion: {
    name: 'X-Min-Version',
    in: 'header',
    description:
      'Read-your-writes: answer from the write store if the read model is older than this version; 412 with Retry-After if no store has it yet.',
    schema: MinVersionSchema,
  },
} satisfies Record<string, ParameterDoc>;

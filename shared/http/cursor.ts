/**
 * The ONE cursor format of the HTTP API (search and history): an opaque base64url token carrying the
 * whole query as the server understood it (normalized) plus the position of the last item returned.
 *
 * - `?cursor=X` alone continues the same query: the query comes from the cursor.
 * - A parameter sent beside a cursor may be left out; when present its normalized value must equal the
 *   cursor's, else a 400 naming each mismatching parameter. A cursor therefore never leaks a page of
 *   one query into another (e.g. dropping a filter).
 * - What a cursor carries is client input: the caller re-validates the query with its own schema.
 *
 * The query object is any flat JSON object of normalized parameters, so an endpoint adding a parameter
 * (e.g. a match mode) only adds it to the object it binds.
 */
import { z } from 'zod';
import { ValidationError, type FieldError } from '../errors';

export type JsonValue = string | number | boolean | null | readonly JsonValue[] | { readonly [key: string]: JsonValue };
export type CursorQuery = Readonly<Record<string, JsonValue>>;

const FORMAT = 'c1';
/** Upper bound of a cursor's length (also the documented maxLength of every `cursor` parameter). */
export const MAX_CURSOR_LENGTH = 4096;
export const CURSOR_PATTERN = /^[A-Za-z0-9_-]+$/;

/** The schema that validates and documents every `cursor` query parameter. */
export const CursorParamSchema = z
  .string()
  .min(1)
  .max(MAX_CURSOR_LENGTH)
  .regex(CURSOR_PATTERN, 'must be a cursor returned as nextCursor')
  .describe('nextCursor of the previous page (opaque); it carries the query, so it may be sent alone');

/** JSON with object keys sorted, so equal values have one spelling. */
function canonical(value: JsonValue | undefined): string {
  if (value === undefined) return 'undefined';
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${(value as readonly JsonValue[]).map(canonical).join(',')}]`;
  const entries = Object.entries(value as Record<string, JsonValue>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
}

/** Omits undefined members (a JSON object cannot hold them). */
function defined(query: Record<string, JsonValue | undefined>): Record<string, JsonValue> {
  return Object.fromEntries(Object.entries(query).filter(([, v]) => v !== undefined)) as Record<string, JsonValue>;
}

/** A cursor for `scope` (the endpoint) binding `query` and the position after the last item. */
export function encodeCursor(
  scope: string,
  query: Readonly<Record<string, JsonValue | undefined>>,
  position: JsonValue,
): string {
  return Buffer.from(canonical([FORMAT, scope, defined(query), position]), 'utf8').toString('base64url');
}

export interface OpenedCursor<Q> {
  readonly query: Q;
  readonly position: unknown;
}

function invalid(message = 'is not a cursor from this endpoint'): ValidationError {
  return new ValidationError([{ path: 'query.cursor', message }]);
}

/**
 * Opens a cursor made by `encodeCursor(scope, …)`; its query must pass `querySchema` (the endpoint's
 * normalized-query schema). Anything else is a 400 on `query.cursor`. The position is the caller's to check.
 */
export function decodeCursor<S extends z.ZodType>(
  scope: string,
  cursor: string,
  querySchema: S,
): OpenedCursor<z.output<S>> {
  if (cursor.length === 0 || cursor.length > MAX_CURSOR_LENGTH || !CURSOR_PATTERN.test(cursor)) throw invalid();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (!Array.isArray(parsed) || parsed.length !== 4 || parsed[0] !== FORMAT) throw invalid();
  const [, cursorScope, query, position] = parsed as [unknown, unknown, unknown, unknown];
  if (cursorScope !== scope) throw invalid();
  const result = querySchema.safeParse(query);
  if (!result.success) throw invalid();
  return { query: result.data, position };
}

/**
 * The query a request means: the cursor's when there is one, else the request's own. `given` holds the
 * normalized parameters the request actually sent (undefined = left out); each one present must equal
 * the cursor's, else a 400 naming every mismatch (error path `query.<key>` unless `paramNames` says otherwise).
 */
export function queryOfRequest<Q extends Readonly<Record<string, JsonValue | undefined>>>(
  given: Partial<Q>,
  bound: Q | undefined,
  paramNames: Partial<Record<keyof Q, string>> = {},
): Q | undefined {
  if (bound === undefined) return undefined;
  const errors: FieldError[] = [];
  for (const [key, value] of Object.entries(given)) {
    if (value === undefined) continue;
    if (canonical(value as JsonValue) !== canonical(bound[key])) {
      errors.push({
        path: paramNames[key as keyof Q] ?? `query.${key}`,
        message: `differs from the query of the cursor (leave it out, or send the same value as the first page)`,
      });
    }
  }
  if (errors.length > 0) throw new ValidationError(errors);
  return bound;
}

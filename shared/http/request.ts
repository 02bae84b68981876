/**
 * Input parsing for HTTP functions: content type, size, strict UTF-8, JSON, then schema validation.
 * Every failure is a typed 4xx error; nothing here ever yields a 5xx.
 */
import type { HttpRequest } from '@azure/functions';
import { z, type ZodType } from 'zod';
import { MalformedJsonError, PayloadTooLargeError, UnsupportedMediaTypeError, ValidationError } from '../errors';
import { fieldErrors } from '../domain/validation';
import { text } from '../domain/text';

export const MAX_BODY_BYTES = 64 * 1024;

/**
 * Query parameters whose OpenAPI schema is not their raw string schema: a parameter parsed from text
 * (a number) is documented by the schema that validates its parsed value (type, bounds). The OpenAPI
 * generator reads this map, so the document and the validation are the same schemas.
 */
export const DOCUMENTED_AS = new WeakMap<ZodType, ZodType>();

/** Marks `schema` as documented by `doc` (which must be part of what `schema` validates). */
export function documentedAs<S extends ZodType>(schema: S, doc: ZodType): S {
  DOCUMENTED_AS.set(schema, doc);
  return schema;
}

const DECIMAL = /^-?[0-9]{1,15}(\.[0-9]{1,15})?([eE][-+]?[0-9]{1,3})?$/;
const INTEGER = /^-?[0-9]{1,15}$/;

/**
 * A number in a query parameter: ASCII digits only (no hex, blanks or non-ASCII digits; an exponent is
 * allowed for non-integers), then the number schema's own bounds, which also document the parameter.
 */
export function queryNumber<S extends ZodType<number, number>>(schema: S, integer = false) {
  const parsed = z
    .string()
    .regex(integer ? INTEGER : DECIMAL, integer ? 'must be an integer' : 'must be a decimal number')
    .transform(Number)
    .pipe(schema);
  return documentedAs(parsed, integer ? z.number().int().pipe(schema) : schema);
}

/** Free text in a query parameter: the same hygiene as body text (no control characters, NFC). */
export function queryText(max: number) {
  return text(max, { required: true });
}

/** The function key may arrive as `?code=` (the Functions convention); endpoints ignore it. */
export const FUNCTION_KEY_PARAM = { code: z.string().optional() };

const NoQuerySchema = z.strictObject({ ...FUNCTION_KEY_PARAM });

/** An endpoint without query parameters rejects any (400 naming each), as the OpenAPI document says. */
export function rejectQueryParameters(request: HttpRequest): void {
  validate(NoQuerySchema, queryObject(request), 'query');
}

/** Validates a value against a schema, throwing ValidationError with every bad field. */
export function validate<S extends ZodType>(schema: S, value: unknown, prefix = ''): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw new ValidationError(fieldErrors(result.error.issues, prefix));
  return result.data;
}

function mediaType(request: HttpRequest): string {
  return (request.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
}

/**
 * Reads a JSON body: 415 for another content type, 413 above the limit, 400 for invalid UTF-8 or JSON,
 * then 400 with every bad field when it does not fit the schema.
 */
export async function readJsonBody<S extends ZodType>(
  request: HttpRequest,
  schema: S,
  contentTypes: readonly string[] = ['application/json'],
): Promise<z.output<S>> {
  const type = mediaType(request);
  if (!contentTypes.includes(type)) {
    throw new UnsupportedMediaTypeError(
      `Content-Type must be ${contentTypes.join(' or ')}${type ? `, not ${type}` : ''}.`,
    );
  }
  const declared = Number(request.headers.get('content-length') ?? '0');
  if (declared > MAX_BODY_BYTES) throw new PayloadTooLargeError(`The body is over ${MAX_BODY_BYTES} bytes.`);
  const bytes = new Uint8Array(await request.arrayBuffer());
  if (bytes.byteLength > MAX_BODY_BYTES) throw new PayloadTooLargeError(`The body is over ${MAX_BODY_BYTES} bytes.`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new MalformedJsonError('The body is not valid UTF-8.');
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new MalformedJsonError(`The body is not valid JSON: ${(error as Error).message}`);
  }
  return validate(schema, value, 'body');
}

/** Query parameters as an object; a parameter given more than once becomes an array. */
export function queryObject(request: HttpRequest): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = Object.create(null) as Record<string, string | string[]>;
  for (const [key, value] of request.query.entries()) {
    const prev = out[key];
    out[key] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
  }
  return out;
}

/**
 * Input parsing for HTTP functions: content type, size, strict UTF-8, JSON, then schema validation.
 * Every failure is a typed 4xx error; nothing here ever yields a 5xx.
 */
import type { HttpRequest } from '@azure/functions';
import { z, type ZodType } from 'zod';
import {
  MalformedJsonError,
  PayloadTooLargeError,
  UnsupportedMediaTypeError,
  ValidationError,
} from '../errors';
import { fieldErrors } from '../domain/validation';

export const MAX_BODY_BYTES = 64 * 1024;

/** A decimal query parameter (no exponents, hex or blanks), then the number schema's own bounds. */
export function queryNumber<S extends ZodType<number, number>>(schema: S) {
  return z
    .string()
    .regex(/^-?\d{1,15}(\.\d{1,15})?$/, 'must be a decimal number')
    .transform(Number)
    .pipe(schema);
}

/** The function key may arrive as `?code=` (the Functions convention); endpoints ignore it. */
export const FUNCTION_KEY_PARAM = { code: z.string().optional() };

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
    throw new UnsupportedMediaTypeError(`Content-Type must be ${contentTypes.join(' or ')}${type ? `, not ${type}` : ''}.`);
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

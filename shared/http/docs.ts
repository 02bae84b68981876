/**
 * How a function documents its parameters and responses: read by the OpenAPI generator, written beside the
 * schemas that validate (shared/http/headers.ts, responses.ts). Types only, so the HTTP helpers that declare
 * documentation depend on nothing but this.
 */
import type { ZodType } from 'zod';

/** Documentation of one header, query parameter or path parameter. */
export interface ParameterDoc {
  readonly name: string;
  readonly in: 'path' | 'query' | 'header';
  readonly description: string;
  readonly required?: boolean;
  readonly schema: ZodType;
}

export interface ResponseDoc {
  readonly description: string;
  /** JSON body schema; problem responses are documented with the shared Problem schema. */
  readonly schema?: ZodType;
  readonly problem?: boolean;
  readonly headers?: Readonly<Record<string, string>>;
  /** JSON Schemas of response headers whose syntax differs from the usual one of that name (a file's ETag). */
  readonly headerSchemas?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /** OpenAPI links: values from this response feeding the parameters of a next operation. */
  readonly links?: Readonly<Record<string, LinkDoc>>;
}

export interface LinkDoc {
  readonly operationId: string;
  readonly description: string;
  /** Parameter (`header.If-Match`, `id`) -> runtime expression (`$response.header.ETag`). */
  readonly parameters: Readonly<Record<string, string>>;
}

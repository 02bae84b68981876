import { buildOpenApi } from '../shared/http/openapi';
import type { FunctionDefinition, HttpFunctionDefinition } from '../shared/registry';
import { BINDINGS } from './bindings';

/**
 * The OpenAPI definition, made from the list it documents (which includes it: `definitions` is read on the
 * first request, once that list is complete).
 */
export function openapiFunction(definitions: () => readonly FunctionDefinition[]): HttpFunctionDefinition {
  let document: Record<string, unknown> | undefined;
  return {
    ...BINDINGS.openapi,
    summary: 'This OpenAPI 3.1 document, generated from the function registry',
    tags: ['operations'],
    responses: { 200: { description: 'OpenAPI 3.1 document' } },
    async handler() {
      document ??= buildOpenApi(definitions(), { title: 'Movie catalog', version: '1.0.0' });
      return { status: 200, jsonBody: document, headers: { 'Cache-Control': 'public, max-age=300' } };
    },
  };
}

import { registerFunction } from '../shared/composition';
import { buildOpenApi } from '../shared/http/openapi';

let document: Record<string, unknown> | undefined;

export const openapi = registerFunction({
  kind: 'http',
  name: 'openapi',
  route: 'openapi.json',
  methods: ['GET'],
  authLevel: 'anonymous',
  summary: 'This OpenAPI 3.1 document, generated from the function registry',
  tags: ['operations'],
  responses: { 200: { description: 'OpenAPI 3.1 document' } },
  async handler() {
    if (!document) {
      // The registry imports this file; read it at request time, once every function is registered.
      const { functions } = await import('./index.js');
      document = buildOpenApi(functions, { title: 'Movie catalog', version: '1.0.0' });
    }
    return { status: 200, jsonBody: document, headers: { 'Cache-Control': 'public, max-age=300' } };
  },
});

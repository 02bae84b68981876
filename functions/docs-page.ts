import { FILE_ETAG_SCHEMA, PAGES, appWebFiles } from '../shared/http/web';
import type { HttpFunctionDefinition } from '../shared/registry';
import { BINDINGS } from './bindings';

const PAGE_HEADERS = {
  ETag: 'Strong validator of the file (304 on If-None-Match)',
  'Content-Security-Policy': 'Nothing from outside the app',
} as const;

export const docsPage: HttpFunctionDefinition = {
  ...BINDINGS.docsPage,
  summary:
    'API reference: this OpenAPI document rendered by Swagger UI (served by the app, with try-it and a function key field)',
  tags: ['pages'],
  responses: {
    200: { description: 'HTML page', headers: PAGE_HEADERS, headerSchemas: { ETag: FILE_ETAG_SCHEMA } },
    304: { description: 'Not modified: If-None-Match names the current file' },
  },
  async handler(request) {
    return appWebFiles.respond(PAGES.docs, request);
  },
};

import { FILE_ETAG_SCHEMA, PAGES, appWebFiles } from '../shared/http/web';
import type { HttpFunctionDefinition } from '../shared/registry';
import { BINDINGS } from './bindings';

export const catalogPage: HttpFunctionDefinition = {
  ...BINDINGS.catalogPage,
  summary:
    'Catalog browser: search with suggestions, facets, paging, a movie with its history; create, edit and delete with a function key',
  tags: ['pages'],
  responses: {
    200: {
      description: 'HTML page',
      headers: {
        ETag: 'Strong validator of the file (304 on If-None-Match)',
        'Content-Security-Policy': 'Nothing from outside the app',
      },
      headerSchemas: { ETag: FILE_ETAG_SCHEMA },
    },
    304: { description: 'Not modified: If-None-Match names the current file' },
  },
  async handler(request) {
    return appWebFiles.respond(PAGES.catalog, request);
  },
};

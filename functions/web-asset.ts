import { z } from 'zod';
import { problems } from '../shared/http/responses';
import { ASSETS, FILE_ETAG_SCHEMA, appWebFiles, assetNamed } from '../shared/http/web';
import type { HttpFunctionDefinition } from '../shared/registry';
import { BINDINGS } from './bindings';

export const webAsset: HttpFunctionDefinition = {
  ...BINDINGS.webAsset,
  summary: "A static file of the app's pages (scripts, styles, Swagger UI), read on its first request",
  tags: ['pages'],
  parameters: [
    {
      name: 'name',
      in: 'path',
      required: true,
      description: 'File name',
      schema: z.enum(Object.keys(ASSETS) as [string, ...string[]]),
    },
  ],
  responses: {
    200: {
      description: 'The file, gzip when accepted',
      headers: { ETag: 'Strong validator of the file (304 on If-None-Match)' },
      headerSchemas: { ETag: FILE_ETAG_SCHEMA },
    },
    304: { description: 'Not modified: If-None-Match names the current file' },
    ...problems(404),
  },
  async handler(request) {
    return appWebFiles.respond(assetNamed(request.params.name), request);
  },
};

import { commandMetadata } from '../shared/http/command-metadata';
import { etag, movieIdParam, params, requireIfMatch } from '../shared/http/headers';
import { problems } from '../shared/http/responses';
import { handleCommand } from '../shared/write-model/commands';
import type { HttpFunctionDefinition } from '../shared/registry';
import { BINDINGS } from './bindings';

export const deleteMovie: HttpFunctionDefinition = {
  ...BINDINGS.deleteMovie,
  summary: 'Delete a movie',
  tags: ['commands'],
  parameters: [params.id, params.ifMatch],
  responses: {
    204: { description: 'Deleted', headers: { ETag: 'The version of the deletion' } },
    ...problems(400, 401, 404, 412, 428),
  },
  async handler(request, context, deps) {
    const id = movieIdParam(request);
    const expectedVersion = requireIfMatch(request);
    const outcome = await handleCommand(
      { type: 'DeleteMovie', movieId: id, expectedVersion, metadata: commandMetadata(request, context, deps.clock()) },
      deps,
      context,
    );
    return { status: 204, headers: { ETag: etag(outcome.movie.version) } };
  },
};

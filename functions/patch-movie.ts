import { MoviePatchSchema } from '../shared/domain/decider';
import { MovieSchema } from '../shared/domain/movie';
import { commandMetadata } from '../shared/http/command-metadata';
import { movieIdParam, params, requireIfMatch } from '../shared/http/headers';
import { readJsonBody } from '../shared/http/request';
import { MOVIE_HEADERS, MOVIE_LINKS, movieResponse, problems } from '../shared/http/responses';
import { handleCommand } from '../shared/write-model/commands';
import type { HttpFunctionDefinition } from '../shared/registry';
import { BINDINGS } from './bindings';

export const patchMovie: HttpFunctionDefinition = {
  ...BINDINGS.patchMovie,
  summary: 'Change some fields of a movie (JSON merge patch, RFC 7396: null removes a field)',
  tags: ['commands'],
  parameters: [params.id, params.ifMatch],
  requestBody: { contentTypes: ['application/merge-patch+json'], schema: MoviePatchSchema },
  responses: {
    200: { description: 'Patched (or unchanged)', schema: MovieSchema, headers: MOVIE_HEADERS, links: MOVIE_LINKS },
    ...problems(400, 401, 404, 412, 413, 415, 428),
  },
  async handler(request, context, deps) {
    const id = movieIdParam(request);
    const expectedVersion = requireIfMatch(request);
    const patch = await readJsonBody(request, MoviePatchSchema, ['application/merge-patch+json']);
    const outcome = await handleCommand(
      {
        type: 'PatchMovie',
        movieId: id,
        expectedVersion,
        patch,
        metadata: commandMetadata(request, context, deps.clock()),
      },
      deps,
      context,
    );
    return movieResponse(outcome.movie, 200);
  },
};

import { MovieFieldsSchema, MovieSchema } from '../shared/domain/movie';
import { commandMetadata } from '../shared/http/command-metadata';
import { idempotencyKey, params } from '../shared/http/headers';
import { readJsonBody } from '../shared/http/request';
import { MOVIE_HEADERS, MOVIE_LINKS, movieResponse, problems } from '../shared/http/responses';
import { handleCommand, movieIdForIdempotencyKey, requestHash } from '../shared/write-model/commands';
import type { HttpFunctionDefinition } from '../shared/registry';
import { BINDINGS } from './bindings';

export const createMovie: HttpFunctionDefinition = {
  ...BINDINGS.createMovie,
  summary: 'Create a movie (server-chosen id)',
  tags: ['commands'],
  parameters: [params.idempotencyKey],
  requestBody: { contentTypes: ['application/json'], schema: MovieFieldsSchema },
  responses: {
    201: {
      description: 'Created',
      schema: MovieSchema,
      headers: {
        ...MOVIE_HEADERS,
        Location: 'URL of the movie',
        'Idempotent-Replayed': '`true` when this is the replay of an earlier request with the same key',
      },
      links: MOVIE_LINKS,
    },
    ...problems(400, 401, 413, 415, 422),
  },
  async handler(request, context, deps) {
    const key = idempotencyKey(request);
    const fields = await readJsonBody(request, MovieFieldsSchema);
    const outcome = await handleCommand(
      {
        type: 'CreateMovie',
        movieId: key ? movieIdForIdempotencyKey(key) : deps.newId(),
        fields,
        metadata: commandMetadata(request, context, deps.clock(), {
          idempotencyKey: key,
          requestHash: key ? requestHash(fields) : undefined,
        }),
      },
      deps,
      context,
    );
    return movieResponse(outcome.movie, 201, {
      Location: `/api/movies/${outcome.movie.id}`,
      ...(outcome.kind === 'replayed' ? { 'Idempotent-Replayed': 'true' } : {}),
    });
  },
};

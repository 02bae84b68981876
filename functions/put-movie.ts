import { MovieFieldsSchema, MovieSchema } from '../shared/domain/movie';
import { ValidationError } from '../shared/errors';
import { commandMetadata } from '../shared/http/command-metadata';
import { headerValue, idempotencyKey, movieIdParam, params, parseETag } from '../shared/http/headers';
import { readJsonBody } from '../shared/http/request';
import { MOVIE_HEADERS, MOVIE_LINKS, movieResponse, problems } from '../shared/http/responses';
import { handleCommand, requestHash } from '../shared/write-model/commands';
import { PreconditionRequiredError } from '../shared/errors';
import type { HttpFunctionDefinition } from '../shared/registry';
import { BINDINGS } from './bindings';

export const putMovie: HttpFunctionDefinition = {
  ...BINDINGS.putMovie,
  summary: 'Create a movie with a client-chosen id (If-None-Match: *) or replace it whole (If-Match)',
  description:
    'Exactly one of `If-None-Match: *` (create; 412 if the movie exists) and `If-Match` ' +
    '(replace that version; 412 with the current ETag when stale) is required: ' +
    'neither is 428, both is 400.',
  tags: ['commands'],
  parameters: [params.id, { ...params.ifMatch, required: false }, params.ifNoneMatchStar, params.idempotencyKey],
  requestBody: { contentTypes: ['application/json'], schema: MovieFieldsSchema },
  responses: {
    200: {
      description: 'Replaced (or unchanged: same fields, same version)',
      schema: MovieSchema,
      headers: MOVIE_HEADERS,
      links: MOVIE_LINKS,
    },
    201: {
      description: 'Created',
      schema: MovieSchema,
      headers: { ...MOVIE_HEADERS, Location: 'URL of the movie' },
      links: MOVIE_LINKS,
    },
    ...problems(400, 401, 404, 412, 413, 415, 422, 428),
  },
  async handler(request, context, deps) {
    const id = movieIdParam(request);
    const ifMatch = request.headers.get('if-match');
    const ifNoneMatch = headerValue(request, params.ifNoneMatchStar);
    if (ifMatch !== null && ifNoneMatch !== undefined) {
      throw new ValidationError([{ path: 'header.If-None-Match', message: 'cannot be combined with If-Match' }]);
    }
    if (ifMatch === null && ifNoneMatch === undefined) {
      throw new PreconditionRequiredError(
        'PUT needs If-None-Match: * to create, or If-Match with the current ETag to replace.',
      );
    }
    const expectedVersion = ifMatch === null ? undefined : parseETag('If-Match', ifMatch);
    const key = idempotencyKey(request);
    const fields = await readJsonBody(request, MovieFieldsSchema);
    const metadata = commandMetadata(request, context, deps.clock(), {
      idempotencyKey: key,
      requestHash: key ? requestHash({ id, fields }) : undefined,
    });
    if (expectedVersion === undefined) {
      const outcome = await handleCommand({ type: 'CreateMovie', movieId: id, fields, metadata }, deps, context);
      return movieResponse(outcome.movie, 201, {
        Location: `/api/movies/${id}`,
        ...(outcome.kind === 'replayed' ? { 'Idempotent-Replayed': 'true' } : {}),
      });
    }
    const outcome = await handleCommand(
      { type: 'ReplaceMovie', movieId: id, expectedVersion, fields, metadata },
      deps,
      context,
    );
    return movieResponse(outcome.movie, 200);
  },
};

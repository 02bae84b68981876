import { registerFunction } from '../shared/composition';
import { MovieSchema } from '../shared/domain/movie';
import { ValidationError } from '../shared/errors';
import { etag, movieIdParam, params } from '../shared/http/headers';
import { MOVIE_HEADERS, movieResponse, problems } from '../shared/http/responses';
import { getMovie as getMovieQuery } from '../shared/read-model/queries';
import { queryAuthLevel } from '../shared/http/auth';

export const getMovie = registerFunction({
  kind: 'http',
  name: 'getMovie',
  route: 'movies/{id}',
  methods: ['GET'],
  authLevel: queryAuthLevel(),
  summary: 'One movie from the read model (cache-aside), with read-your-writes on demand',
  tags: ['queries'],
  parameters: [params.id, params.ifNoneMatch, params.minVersion],
  responses: {
    200: {
      description: 'The movie',
      schema: MovieSchema,
      headers: { ...MOVIE_HEADERS, 'X-Cache': 'HIT or MISS', 'X-Read-Source': '`write-store` when X-Min-Version was ahead of the read model' },
    },
    304: { description: 'Not modified: If-None-Match names the current version' },
    ...problems(400, 401, 404, 503),
  },
  async handler(request, context, deps) {
    const id = movieIdParam(request);
    const minHeader = request.headers.get('x-min-version');
    if (minHeader !== null && !/^[1-9][0-9]{0,14}$/.test(minHeader.trim())) {
      throw new ValidationError([{ path: 'header.X-Min-Version', message: 'must be a positive integer version' }]);
    }
    const answer = await getMovieQuery(id, minHeader === null ? undefined : Number(minHeader), deps, context);
    const headers = { 'X-Cache': answer.cache, 'X-Read-Source': answer.source };
    const ifNoneMatch = request.headers.get('if-none-match');
    if (ifNoneMatch !== null && ifNoneMatch.split(',').some((t) => t.trim().replace(/^W\//, '') === etag(answer.movie.version))) {
      return { status: 304, headers: { ETag: etag(answer.movie.version), ...headers } };
    }
    return movieResponse(answer.movie, 200, headers);
  },
});

import { MovieSchema } from '../shared/domain/movie';
import { etag, headerValue, ifNoneMatchHits, movieIdParam, params } from '../shared/http/headers';
import { MOVIE_HEADERS, MOVIE_LINKS, movieResponse, problems } from '../shared/http/responses';
import { readMovie } from '../shared/read-model/queries';
import type { HttpFunctionDefinition } from '../shared/registry';
import { BINDINGS } from './bindings';

export const getMovie: HttpFunctionDefinition = {
  ...BINDINGS.getMovie,
  summary: 'One movie from the read model (cache-aside), with read-your-writes on demand',
  tags: ['queries'],
  parameters: [params.id, params.ifNoneMatch, params.minVersion],
  responses: {
    200: {
      description: 'The movie',
      schema: MovieSchema,
      headers: {
        ...MOVIE_HEADERS,
        'X-Cache': 'HIT or MISS',
        'X-Read-Source': '`write-store` when X-Min-Version was ahead of the read model',
      },
      links: MOVIE_LINKS,
    },
    304: {
      description: 'Not modified: If-None-Match names the current version, or is * (the movie exists)',
      headers: MOVIE_HEADERS,
    },
    ...problems(400, 401, 404, 503),
    412: {
      description:
        'X-Min-Version is ahead of every store (that version does not exist yet): the read is behind. ' +
        '`currentVersion` and ETag give the newest version; retry after Retry-After seconds',
      problem: true,
      headers: {
        ETag: 'The newest version there is',
        'Retry-After': 'Seconds to wait before retrying',
        'X-Read-Behind': '`true`',
      },
    },
  },
  async handler(request, context, deps) {
    const id = movieIdParam(request);
    const minVersion = headerValue(request, params.minVersion);
    const ifNoneMatch = headerValue(request, params.ifNoneMatch);
    const answer = await readMovie(id, minVersion === undefined ? undefined : Number(minVersion), deps, context);
    const headers = { 'X-Cache': answer.cache, 'X-Read-Source': answer.source };
    if (ifNoneMatch !== undefined && ifNoneMatchHits(ifNoneMatch, answer.movie.version)) {
      return { status: 304, headers: { ETag: etag(answer.movie.version), ...headers } };
    }
    return movieResponse(answer.movie, 200, headers);
  },
};

import { z } from 'zod';
import { registerFunction } from '../shared/composition';
import { GENRES, MPAA_RATINGS, MovieSchema, vocabulary } from '../shared/domain/movie';
import { ValidationError } from '../shared/errors';
import { queryAuthLevel } from '../shared/http/auth';
import { FUNCTION_KEY_PARAM, queryNumber, queryObject, validate } from '../shared/http/request';
import { problems } from '../shared/http/responses';
import { InvalidCursorError, SORT_KEYS, type SearchQuery } from '../shared/read-model/port';
import { searchMovies as searchQuery } from '../shared/read-model/queries';
import type { ParameterDoc } from '../shared/registry';

const year = queryNumber(z.number().int().min(1800).max(3000));
const SearchParamsSchema = z
  .strictObject({
    q: z.string().trim().min(1).max(200).optional(),
    genre: z
      .union([z.string(), z.array(z.string())])
      .transform((g) => (Array.isArray(g) ? g : [g]))
      .pipe(z.array(vocabulary(GENRES)).max(10))
      .meta({ type: 'array', items: { type: 'string', enum: [...GENRES] }, maxItems: 10 })
      .optional(),
    director: z.string().trim().min(1).max(200).optional(),
    mpaaRating: vocabulary(MPAA_RATINGS).optional(),
    yearFrom: year.optional(),
    yearTo: year.optional(),
    minRating: queryNumber(z.number().min(0).max(10)).optional(),
    sort: z.enum(SORT_KEYS).optional(),
    limit: queryNumber(z.number().int().min(1).max(100)).default(20),
    cursor: z.string().min(1).max(2000).optional(),
    ...FUNCTION_KEY_PARAM,
  })
  .refine((p) => p.yearFrom === undefined || p.yearTo === undefined || p.yearFrom <= p.yearTo, { message: 'yearFrom must not be after yearTo', path: ['yearFrom'] })
  .refine((p) => p.sort !== 'relevance' || p.q !== undefined, { message: 'relevance sort needs q', path: ['sort'] });

const facet = <V extends z.ZodType>(value: V) => z.array(z.object({ value, count: z.number().int() }));
const SearchPageSchema = z
  .object({
    items: z.array(MovieSchema),
    nextCursor: z.string().nullable(),
    total: z.number().int(),
    match: z.enum(['all', 'any']).meta({ description: 'all: every word of q matched; any: no movie had them all, these have some' }),
    facets: z.object({
      genres: facet(z.string()),
      mpaaRatings: facet(z.string()),
      decades: facet(z.number().int().meta({ description: "the decade's first year" })),
    }).meta({ description: 'Each facet honours every filter but its own: a count is the total that selecting the value gives' }),
  })
  .meta({ id: 'MovieSearchPage' });

const docs: Record<string, string> = {
  q: 'Full text over title (weighted highest), director and description: every word (stop words aside), typos tolerated, the last word as a prefix; falls back to any word (see match)',
  genre: 'Genre, any case; repeat for any-of; an unknown genre is a 400 listing the allowed ones',
  director: "Director having every word given (a surname is enough), case-insensitive",
  mpaaRating: 'MPAA rating, any case; an unknown rating is a 400 listing the allowed ones',
  yearFrom: 'Released in or after this year',
  yearTo: 'Released in or before this year',
  minRating: 'IMDB rating at least this',
  sort: 'relevance (default with q), title (default without), -title, year, -year, rating, -rating; ties broken by id',
  limit: 'Page size 1-100 (default 20)',
  cursor: 'nextCursor of the previous page (opaque, stable)',
};
const parameters: ParameterDoc[] = Object.entries(docs).map(([name, description]) => ({
  name,
  in: 'query',
  description,
  schema: SearchParamsSchema.shape[name as keyof typeof SearchParamsSchema.shape],
}));

export const searchMovies = registerFunction({
  kind: 'http',
  name: 'searchMovies',
  route: 'movies',
  methods: ['GET'],
  authLevel: queryAuthLevel(),
  summary: 'Search and list movies: full text, filters, facets, stable cursor paging (cache-aside)',
  tags: ['queries'],
  parameters,
  responses: {
    200: { description: 'A page of movies', schema: SearchPageSchema, headers: { 'X-Cache': 'HIT or MISS' } },
    ...problems(400, 401, 503),
  },
  async handler(request, context, deps) {
    const { code: _code, ...p } = validate(SearchParamsSchema, queryObject(request), 'query');
    const query: SearchQuery = { ...p, genres: p.genre, sort: p.sort ?? (p.q ? 'relevance' : 'title') };
    delete (query as { genre?: unknown }).genre;
    try {
      const { page, cache } = await searchQuery(query, deps, context);
      return { status: 200, headers: { 'X-Cache': cache }, jsonBody: page };
    } catch (error) {
      if (error instanceof InvalidCursorError) throw new ValidationError([{ path: 'query.cursor', message: error.message }]);
      throw error;
    }
  },
});

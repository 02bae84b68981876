import { z } from 'zod';
import { GENRES, MPAA_RATINGS, MovieSchema, vocabulary } from '../shared/domain/movie';
import { ValidationError } from '../shared/errors';
import { CursorParamSchema, decodeCursor, encodeCursor, queryOfRequest } from '../shared/http/cursor';
import {
  documentedAs,
  FUNCTION_KEY_PARAM,
  queryNumber,
  queryObject,
  queryText,
  validate,
} from '../shared/http/request';
import { problems } from '../shared/http/responses';
import { InvalidCursorError, SORT_KEYS, type SearchQuery } from '../shared/read-model/port';
import { directorKey, MAX_LIMIT } from '../shared/read-model/search-semantics';
import { findMovies } from '../shared/read-model/queries';
import type { HttpFunctionDefinition, ParameterDoc } from '../shared/registry';
import { BINDINGS } from './bindings';

// The value schemas: each validates a query parameter (after its decimal/text parsing) and, again, the
// same member of the query a cursor carries.
const qValue = queryText(200);
const genreValue = vocabulary(GENRES);
const directorValue = queryText(200);
const yearValue = z.number().int().min(1800).max(3000);
const ratingValue = z.number().min(0).max(10);
const limitValue = z.number().int().min(1).max(MAX_LIMIT);
const DEFAULT_LIMIT = 20;

const SearchParamsSchema = z
  .strictObject({
    q: qValue.optional(),
    genre: documentedAs(
      // One or many; each checked against the vocabulary where it stands (query.genre.1 names the second).
      z
        .union([z.string(), z.array(z.string())])
        .transform((g) => (Array.isArray(g) ? g : [g]))
        .pipe(z.array(genreValue).min(1).max(10)),
      z.array(genreValue).min(1).max(10),
    ).optional(),
    director: directorValue.optional(),
    mpaaRating: vocabulary(MPAA_RATINGS).optional(),
    yearFrom: queryNumber(yearValue, true).optional(),
    yearTo: queryNumber(yearValue, true).optional(),
    minRating: queryNumber(ratingValue).optional(),
    sort: z.enum(SORT_KEYS).optional(),
    limit: queryNumber(limitValue, true).optional(),
    cursor: CursorParamSchema.optional(),
    ...FUNCTION_KEY_PARAM,
  })
  .refine((p) => p.yearFrom === undefined || p.yearTo === undefined || p.yearFrom <= p.yearTo, {
    message: 'yearFrom must not be after yearTo',
    path: ['yearFrom'],
  })
  .refine((p) => p.sort !== 'relevance' || p.q !== undefined || p.cursor !== undefined, {
    message: 'relevance sort needs q',
    path: ['sort'],
  });

/**
 * The search as the server understands it: what a cursor binds. Genres sorted and distinct, director as
 * compared (case-folded), defaults resolved. A search feature adding a parameter adds it here.
 */
const BoundSearchSchema = z
  .strictObject({
    q: qValue.optional(),
    genres: z.array(z.enum(GENRES)).min(1).max(10).optional(),
    director: directorValue.optional(),
    mpaaRating: z.enum(MPAA_RATINGS).optional(),
    yearFrom: yearValue.optional(),
    yearTo: yearValue.optional(),
    minRating: ratingValue.optional(),
    sort: z.enum(SORT_KEYS),
    limit: limitValue,
    /** The first page's match mode (all words, or any when none had them all): the next pages keep it. */
    match: z.enum(['all', 'any']).optional(),
  })
  .refine((p) => p.yearFrom === undefined || p.yearTo === undefined || p.yearFrom <= p.yearTo)
  .refine((p) => p.sort !== 'relevance' || p.q !== undefined);
type BoundSearch = z.output<typeof BoundSearchSchema>;

const CURSOR_SCOPE = 'search';

const facet = <V extends z.ZodType>(value: V) => z.array(z.object({ value, count: z.number().int() }));
const SearchPageSchema = z
  .object({
    items: z.array(MovieSchema),
    nextCursor: z.string().nullable(),
    total: z.number().int(),
    match: z
      .enum(['all', 'any'])
      .meta({ description: 'all: every word of q matched; any: no movie had them all, these have some' }),
    facets: z
      .object({
        genres: facet(z.string()),
        mpaaRatings: facet(z.string()),
        decades: facet(z.number().int().meta({ description: "the decade's first year" })),
      })
      .meta({
        description: 'Each facet honours every filter but its own: a count is the total that selecting the value gives',
      }),
  })
  .meta({ id: 'MovieSearchPage' });

const docs: Record<string, string> = {
  q:
    'Full text over title (weighted highest), director and description: every word (stop words aside), ' +
    'typos tolerated, the last word as a prefix; falls back to any word (see match)',
  genre: 'Genre, any case; repeat for any-of; an unknown genre is a 400 listing the allowed ones',
  director: 'Director having every word given (a surname is enough), case-insensitive',
  mpaaRating: 'MPAA rating, any case; an unknown rating is a 400 listing the allowed ones',
  yearFrom: 'Released in or after this year',
  yearTo: 'Released in or before this year (not before yearFrom)',
  minRating: 'IMDB rating at least this',
  sort: 'relevance (default with q; needs q), title (default without), -title, year, -year, rating, -rating; ties broken by id',
  limit: `Page size 1-${MAX_LIMIT} (default ${DEFAULT_LIMIT})`,
  cursor:
    'nextCursor of the previous page (opaque). It carries the whole query: sent alone it returns the next page of the same search; ' +
    'any other parameter sent beside it must equal the first page’s, else 400 naming it',
};
const parameters: ParameterDoc[] = Object.entries(docs).map(([name, description]) => ({
  name,
  in: 'query',
  description,
  schema: SearchParamsSchema.shape[name as keyof typeof SearchParamsSchema.shape],
}));

export const searchMovies: HttpFunctionDefinition = {
  ...BINDINGS.searchMovies,
  summary: 'Search and list movies: full text, filters, facets, stable cursor paging (cache-aside)',
  tags: ['queries'],
  parameters,
  responses: {
    200: { description: 'A page of movies', schema: SearchPageSchema, headers: { 'X-Cache': 'HIT or MISS' } },
    ...problems(400, 401, 503),
  },
  async handler(request, context, deps) {
    const p = validate(SearchParamsSchema, queryObject(request), 'query');
    const given: Partial<BoundSearch> = {
      q: p.q,
      genres: p.genre ? [...new Set(p.genre)].sort() : undefined,
      director: p.director === undefined ? undefined : directorKey(p.director),
      mpaaRating: p.mpaaRating,
      yearFrom: p.yearFrom,
      yearTo: p.yearTo,
      minRating: p.minRating,
      sort: p.sort,
      limit: p.limit,
    };
    let bound: BoundSearch;
    let position: string | undefined;
    if (p.cursor !== undefined) {
      const opened = decodeCursor(CURSOR_SCOPE, p.cursor, BoundSearchSchema);
      if (typeof opened.position !== 'string')
        throw new ValidationError([{ path: 'query.cursor', message: 'is not a cursor from this endpoint' }]);
      bound = queryOfRequest(given, opened.query, { genres: 'query.genre' })!;
      position = opened.position;
    } else {
      bound = BoundSearchSchema.parse({
        ...dropUndefined(given),
        sort: given.sort ?? (given.q ? 'relevance' : 'title'),
        limit: given.limit ?? DEFAULT_LIMIT,
      });
    }
    const query: SearchQuery = { ...dropUndefined(bound), ...(position !== undefined ? { cursor: position } : {}) };
    try {
      const { page, cache } = await findMovies(query, deps, context);
      const nextCursor =
        page.nextCursor === null ? null : encodeCursor(CURSOR_SCOPE, { ...bound, match: page.match }, page.nextCursor);
      return { status: 200, headers: { 'X-Cache': cache }, jsonBody: { ...page, nextCursor } };
    } catch (error) {
      if (error instanceof InvalidCursorError)
        throw new ValidationError([{ path: 'query.cursor', message: error.message }]);
      throw error;
    }
  },
};

function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

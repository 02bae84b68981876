/**
 * The search and suggest endpoints through their handlers (no host): vocabulary filters in any case, a
 * 400 problem listing the allowed values, the response shape (match, facets), suggestions cached like
 * searches, and the OpenAPI document naming the vocabularies as enums.
 */
import { HttpRequest, InvocationContext } from '@azure/functions';
import { beforeAll, describe, expect, it } from 'vitest';
import { functions } from '../../functions/all';
import { searchMovies } from '../../functions/search-movies';
import { suggest } from '../../functions/suggest';
import { createMemoryCache } from '../../shared/adapters/memory-cache';
import { GENRES, MPAA_RATINGS, type Movie } from '../../shared/domain/movie';
import { buildOpenApi } from '../../shared/http/openapi';
import type { Deps } from '../../shared/ports';
import { invalidateMovie } from '../../shared/read-model/queries';
import { createEmbeddedReadStore } from '../../shared/read-model/embedded';
import { invokeHttp, type HttpFunctionDefinition } from '../../shared/registry';

const at = '2024-01-01T00:00:00.000Z';
const movie = (id: string, fields: Partial<Movie> & { title: string }): Movie => ({
  id,
  version: 1,
  createdAt: at,
  updatedAt: at,
  ...fields,
});

const readStore = createEmbeddedReadStore();
let now = Date.parse(at);
const cache = createMemoryCache(10_000, () => now);
const deps = {
  readStore,
  cache,
  settings: { cacheTtlSeconds: 60, searchCacheTtlSeconds: 10, relayGraceSeconds: 5 },
} as unknown as Deps;

async function call(def: HttpFunctionDefinition, query: string) {
  const request = new HttpRequest({ method: 'GET', url: `http://h/api/${def.route}?${query}` });
  const context = new InvocationContext({ functionName: def.name, invocationId: 'inv', logHandler: () => undefined });
  const res = await invokeHttp(def, request, context, deps);
  return {
    status: res.status,
    headers: (res.headers ?? {}) as Record<string, string>,
    body: res.jsonBody as Record<string, unknown>,
  };
}

beforeAll(async () => {
  await readStore.init();
  await readStore.apply(
    [
      movie('t1', {
        title: 'The Terminator',
        year: 1984,
        genres: ['Action'],
        mpaaRating: 'R',
        director: 'James Cameron',
      }),
      movie('t2', {
        title: 'Terminator 2: Judgment Day',
        year: 1991,
        genres: ['Action'],
        mpaaRating: 'R',
        director: 'James Cameron',
      }),
      movie('t3', {
        title: 'Toy Story',
        year: 1995,
        genres: ['Adventure'],
        mpaaRating: 'G',
        director: 'John Lasseter',
      }),
    ].map((m) => ({ kind: 'movie' as const, movie: m })),
  );
});

describe('GET /api/movies', () => {
  it('accepts genre and MPAA rating in any case', async () => {
    const res = await call(searchMovies, 'genre=action&mpaaRating=r&sort=title');
    expect(res.status).toBe(200);
    expect((res.body.items as Movie[]).map((m) => m.id)).toEqual(['t2', 't1']);
  });

  it('answers 400 listing the allowed values for an unknown genre or rating', async () => {
    const genre = await call(searchMovies, 'genre=Action&genre=Space%20Opera');
    expect(genre.status).toBe(400);
    expect(genre.headers['Content-Type']).toBe('application/problem+json');
    expect(genre.body.errors).toEqual([
      { path: 'query.genre.1', message: `must be one of (any case): ${GENRES.join(', ')}` },
    ]);
    const rating = await call(searchMovies, 'mpaaRating=PG13');
    expect(rating.status).toBe(400);
    expect(rating.body.errors).toEqual([
      { path: 'query.mpaaRating', message: 'must be one of (any case): G, PG, PG-13, R, NC-17, Not Rated' },
    ]);
  });

  it('says how the words matched and returns every facet', async () => {
    const res = await call(searchMovies, 'q=termiantor');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ total: 2, match: 'all' });
    expect(res.body.facets).toEqual({
      genres: [{ value: 'Action', count: 2 }],
      mpaaRatings: [{ value: 'R', count: 2 }],
      decades: [
        { value: 1980, count: 1 },
        { value: 1990, count: 1 },
      ],
    });
    const any = await call(searchMovies, 'q=toy%20terminator&sort=title');
    expect(any.body).toMatchObject({ total: 3, match: 'any' });
  });
});

describe('GET /api/suggest', () => {
  it('suggests titles for a partial input, cached like searches: for the search TTL (10 s here), whatever is projected', async () => {
    const first = await call(suggest, 'q=termin');
    expect(first.status).toBe(200);
    expect(first.headers['X-Cache']).toBe('MISS');
    expect(first.body).toEqual({
      suggestions: [
        { id: 't1', title: 'The Terminator', year: 1984 },
        { id: 't2', title: 'Terminator 2: Judgment Day', year: 1991 },
      ],
    });
    const again = await call(suggest, 'q=TERMIN');
    expect(again.headers['X-Cache']).toBe('HIT');
    expect(again.body).toEqual(first.body);
    // A projected event does not invalidate it; the TTL does.
    await invalidateMovie(cache, 't1', 2, 60);
    now += 9_999;
    expect((await call(suggest, 'q=termin')).headers['X-Cache']).toBe('HIT');
    now += 1;
    expect((await call(suggest, 'q=termin')).headers['X-Cache']).toBe('MISS');
    expect((await call(suggest, 'q=termin&limit=1')).body).toEqual({
      suggestions: [{ id: 't1', title: 'The Terminator', year: 1984 }],
    });
  });

  it('needs q of 1..100 characters and a limit of 1..10', async () => {
    for (const query of [
      '',
      'q=',
      'q=%20%20',
      `q=${'a'.repeat(101)}`,
      'q=star&limit=0',
      'q=star&limit=11',
      'q=star&limit=x',
      'q=star&extra=1',
    ]) {
      const res = await call(suggest, query);
      expect(res.status, query).toBe(400);
      expect(res.headers['Content-Type']).toBe('application/problem+json');
    }
  });
});

describe('OpenAPI', () => {
  it('documents the genre and MPAA vocabularies as enums and the suggest endpoint', () => {
    const doc = buildOpenApi(functions, { title: 't', version: '1' }) as {
      paths: Record<string, Record<string, { parameters: Array<{ name: string; schema: Record<string, unknown> }> }>>;
    };
    const params = doc.paths['/api/movies']!.get!.parameters;
    expect(params.find((p) => p.name === 'mpaaRating')!.schema).toMatchObject({ enum: [...MPAA_RATINGS] });
    expect(params.find((p) => p.name === 'genre')!.schema).toMatchObject({ items: { enum: [...GENRES] } });
    expect(doc.paths['/api/suggest']!.get!.parameters.map((p) => p.name)).toEqual(['q', 'limit']);
  });
});

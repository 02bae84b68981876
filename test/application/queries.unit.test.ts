/**
 * The queries on the in-memory ports: cache-aside (HIT/MISS), read-your-writes from the write store, a
 * cache outage that degrades instead of failing, a read store outage that answers 503; and hostile query
 * strings, chosen literally from the documented contract (not drawn through the server's own schemas),
 * that must each answer 400 problem+json without reaching the read store.
 */
import { describe, expect, it } from 'vitest';
import { ServiceUnavailableError } from '../../shared/errors';
import type { StoredEvent } from '../../shared/ports';
import { project } from '../../shared/read-model/projection';
import { ReadStoreUnavailableError } from '../../shared/read-model/port';
import { findMovies, readMovie, suggestTitles } from '../../shared/read-model/queries';
import { handleCommand } from '../../shared/write-model/commands';
import { getMovie } from '../../functions/get-movie';
import { movieHistory } from '../../functions/movie-history';
import { searchMovies } from '../../functions/search-movies';
import { call, memoryApp, type MemoryApp } from '../support/memory';

/** A problem's `errors`, in path order. */
const sortedErrors = (body: unknown) =>
  [...((body as { errors?: Array<{ path: string; message: string }> }).errors ?? [])].sort((a, b) =>
    a.path.localeCompare(b.path),
  );

const meta = { occurredAt: '2026-01-01T00:00:00.000Z', correlationId: 'c' };

/** Creates the movie through the command path and projects what was published (as the topic would). */
async function createdAndProjected(
  app: MemoryApp,
  id: string,
  title: string,
  extra: { releaseDate?: string } = {},
): Promise<void> {
  await handleCommand(
    { type: 'CreateMovie', movieId: id, fields: { title, ...extra }, metadata: meta },
    app.deps,
    app.log,
  );
  for (const event of app.publisher.accepted.splice(0)) await project(event, app.deps);
}

async function changedNotProjected(
  app: MemoryApp,
  id: string,
  expectedVersion: number,
  title: string,
): Promise<StoredEvent> {
  const outcome = await handleCommand(
    { type: 'PatchMovie', movieId: id, expectedVersion, patch: { title }, metadata: meta },
    app.deps,
    app.log,
  );
  app.publisher.accepted.splice(0);
  return (outcome as { event: StoredEvent }).event;
}

describe('readMovie', () => {
  it('cache-aside: a miss reads the store and fills the cache; the next read is a hit and does not touch the store', async () => {
    const app = await memoryApp();
    await createdAndProjected(app, 'm1', 'Alien');
    expect(await readMovie('m1', undefined, app.deps, app.log)).toMatchObject({
      cache: 'MISS',
      source: 'read-store',
      movie: { id: 'm1', title: 'Alien', version: 1 },
    });
    const gets = app.readStore.calls.get;
    expect(await readMovie('m1', undefined, app.deps, app.log)).toMatchObject({
      cache: 'HIT',
      movie: { title: 'Alien' },
    });
    expect(app.readStore.calls.get).toBe(gets);
  });

  it('read-your-writes: X-Min-Version ahead of the read model answers from the write store', async () => {
    const app = await memoryApp();
    await createdAndProjected(app, 'm1', 'Alien');
    await changedNotProjected(app, 'm1', 1, 'Aliens');
    expect(await readMovie('m1', 2, app.deps, app.log)).toMatchObject({
      source: 'write-store',
      movie: { version: 2, title: 'Aliens' },
    });
    expect(await readMovie('m1', 1, app.deps, app.log)).toMatchObject({ source: 'read-store', movie: { version: 1 } });
    expect(await readMovie('m1', undefined, app.deps, app.log)).toMatchObject({
      source: 'read-store',
      movie: { version: 1 },
    });
  });

  it('read-your-writes of a delete not yet projected answers 404', async () => {
    const app = await memoryApp();
    await createdAndProjected(app, 'm1', 'Alien');
    await handleCommand({ type: 'DeleteMovie', movieId: 'm1', expectedVersion: 1, metadata: meta }, app.deps, app.log);
    await expect(readMovie('m1', 2, app.deps, app.log)).rejects.toMatchObject({
      status: 404,
      message: 'Movie m1 has been deleted.',
    });
  });

  it('a cache outage degrades: the answer comes from the read store and a warning is logged', async () => {
    const app = await memoryApp();
    await createdAndProjected(app, 'm1', 'Alien');
    app.cache.down = true;
    expect(await readMovie('m1', undefined, app.deps, app.log)).toMatchObject({
      cache: 'MISS',
      movie: { title: 'Alien' },
    });
    expect(app.log.lines.filter((l) => l.level === 'warn').map((l) => l.text)).toEqual([
      'cache degraded (get movie): injected: cache server unreachable',
      'cache degraded (set movie): injected: cache server unreachable',
    ]);
  });

  it('only a cache outage degrades: any other cache fault fails the query (it is a bug, not an outage)', async () => {
    const app = await memoryApp();
    await createdAndProjected(app, 'm1', 'Alien');
    const broken = {
      ...app.deps,
      cache: { ...app.cache, getVersioned: () => Promise.reject(new TypeError('bad reply')) },
    };
    await expect(readMovie('m1', undefined, broken, app.log)).rejects.toThrow(new TypeError('bad reply'));
  });

  it('a read store fault that is not an outage is not disguised as a 503', async () => {
    const app = await memoryApp();
    const broken = {
      ...app.deps,
      readStore: { ...app.readStore, get: () => Promise.reject(new TypeError('mapping bug')) },
    };
    await expect(readMovie('m1', undefined, broken, app.log)).rejects.toThrow(new TypeError('mapping bug'));
  });

  it('each movie has its own cache entry: projecting one movie leaves another’s entry cached', async () => {
    const app = await memoryApp();
    await createdAndProjected(app, 'm1', 'Alien');
    await createdAndProjected(app, 'm2', 'Heat');
    expect(await readMovie('m1', undefined, app.deps, app.log)).toMatchObject({
      cache: 'MISS',
      movie: { id: 'm1', title: 'Alien' },
    });
    expect(await readMovie('m2', undefined, app.deps, app.log)).toMatchObject({
      cache: 'MISS',
      movie: { id: 'm2', title: 'Heat' },
    });
    await createdAndProjected(app, 'm3', 'Ran');
    expect(await readMovie('m1', undefined, app.deps, app.log)).toMatchObject({
      cache: 'HIT',
      movie: { id: 'm1', title: 'Alien' },
    });
  });

  it('a superseded movie entry is replaced at once by the projection (not left to its TTL)', async () => {
    const app = await memoryApp();
    await createdAndProjected(app, 'm1', 'Alien');
    expect(await readMovie('m1', undefined, app.deps, app.log)).toMatchObject({ cache: 'MISS', movie: { version: 1 } });
    expect(await readMovie('m1', undefined, app.deps, app.log)).toMatchObject({ cache: 'HIT', movie: { version: 1 } });
    await handleCommand(
      { type: 'PatchMovie', movieId: 'm1', expectedVersion: 1, patch: { title: 'Aliens' }, metadata: meta },
      app.deps,
      app.log,
    );
    for (const event of app.publisher.accepted.splice(0)) await project(event, app.deps);
    expect(await readMovie('m1', undefined, app.deps, app.log)).toMatchObject({
      cache: 'MISS',
      movie: { version: 2, title: 'Aliens' },
    });
  });

  it('X-Min-Version beyond every store is a 412 naming the newest version, to retry after a second', async () => {
    const app = await memoryApp();
    await createdAndProjected(app, 'm1', 'Alien');
    const error = await readMovie('m1', 3, app.deps, app.log).catch((e: unknown) => e);
    expect(error).toMatchObject({
      status: 412,
      message: 'Version 1 is the newest there is; the version asked for by X-Min-Version is not available yet.',
      headers: { ETag: '"1"', 'Retry-After': '1', 'X-Read-Behind': 'true' },
    });
  });

  it('a movie no store knows is 404 saying so, with or without X-Min-Version', async () => {
    const app = await memoryApp();
    await expect(readMovie('nope', undefined, app.deps, app.log)).rejects.toMatchObject({
      status: 404,
      message: 'Movie nope does not exist.',
    });
    await expect(readMovie('nope', 1, app.deps, app.log)).rejects.toMatchObject({
      status: 404,
      message: 'Movie nope does not exist.',
    });
  });

  it('a read store outage is 503; with X-Min-Version the write store still answers', async () => {
    const app = await memoryApp();
    await createdAndProjected(app, 'm1', 'Alien');
    app.readStore.down = true;
    await expect(readMovie('m1', undefined, app.deps, app.log)).rejects.toBeInstanceOf(ServiceUnavailableError);
    await expect(readMovie('m1', undefined, app.deps, app.log)).rejects.toMatchObject({
      status: 503,
      message: 'The read store is unavailable; retry shortly.',
    });
    expect(await readMovie('m1', 1, app.deps, app.log)).toMatchObject({ source: 'write-store', movie: { version: 1 } });
    const answer = await call(getMovie, app.deps, {
      method: 'GET',
      url: 'http://h/api/movies/m1',
      params: { id: 'm1' },
    });
    expect(answer.status).toBe(503);
    expect(answer.headers['content-type']).toBe('application/problem+json');
  });
});

describe('findMovies', () => {
  it('cache-aside over searches; a cache outage degrades to the store', async () => {
    const app = await memoryApp();
    await createdAndProjected(app, 'm1', 'Alien');
    await createdAndProjected(app, 'm2', 'Heat');
    const query = { sort: 'title' as const, limit: 10 };
    expect((await findMovies(query, app.deps, app.log)).cache).toBe('MISS');
    const second = await findMovies(query, app.deps, app.log);
    expect(second.cache).toBe('HIT');
    expect(second.page.items.map((m) => m.title)).toEqual(['Alien', 'Heat']);
    app.cache.down = true;
    const degraded = await findMovies(query, app.deps, app.log);
    expect(degraded.cache).toBe('MISS');
    expect(degraded.page.total).toBe(2);
    expect(app.log.lines.filter((l) => l.level === 'warn').map((l) => l.text)).toEqual([
      'cache degraded (get search): injected: cache server unreachable',
      'cache degraded (set search): injected: cache server unreachable',
    ]);
  });

  it('each query has its own cached answer; the same query written in another order is the same entry', async () => {
    const app = await memoryApp();
    await createdAndProjected(app, 'm1', 'Alien', { releaseDate: '1979-05-25' });
    await createdAndProjected(app, 'm2', 'Heat', { releaseDate: '1995-12-15' });
    expect(await findMovies({ sort: 'title', limit: 10 }, app.deps, app.log)).toMatchObject({
      cache: 'MISS',
      page: { total: 2 },
    });
    const other = await findMovies({ sort: 'title', limit: 10, yearFrom: 1990 }, app.deps, app.log);
    expect(other.cache).toBe('MISS');
    expect(other.page.items.map((m) => m.id)).toEqual(['m2']);
    expect((await findMovies({ yearFrom: 1990, limit: 10, sort: 'title' }, app.deps, app.log)).cache).toBe('HIT');
    expect((await findMovies({ sort: 'title', limit: 10, genres: ['Horror', 'Drama'] }, app.deps, app.log)).cache).toBe(
      'MISS',
    );
    expect((await findMovies({ sort: 'title', limit: 10, genres: ['Drama', 'Horror'] }, app.deps, app.log)).cache).toBe(
      'HIT',
    );
    expect((await findMovies({ sort: 'title', limit: 10, genres: ['Drama'] }, app.deps, app.log)).cache).toBe('MISS');
  });
});

describe('suggestTitles', () => {
  it('cache-aside for the search cache TTL: the same prefix in any case is a hit; a projection shows once the entry expires', async () => {
    const app = await memoryApp({ searchCacheTtlSeconds: 10 });
    app.setNow('2026-01-01T00:00:00.000Z');
    await createdAndProjected(app, 'm1', 'Alien', { releaseDate: '1979-05-25' });
    expect(await suggestTitles({ q: 'ali', limit: 5 }, app.deps, app.log)).toEqual({
      suggestions: [{ id: 'm1', title: 'Alien', year: 1979 }],
      cache: 'MISS',
    });
    expect(await suggestTitles({ q: ' ALI ', limit: 5 }, app.deps, app.log)).toEqual({
      suggestions: [{ id: 'm1', title: 'Alien', year: 1979 }],
      cache: 'HIT',
    });
    expect((await suggestTitles({ q: 'ali', limit: 1 }, app.deps, app.log)).cache).toBe('MISS');
    expect((await suggestTitles({ q: 'hea', limit: 5 }, app.deps, app.log)).cache).toBe('MISS');
    await createdAndProjected(app, 'm2', 'Alice', { releaseDate: '2010-03-05' });
    app.setNow('2026-01-01T00:00:09.999Z');
    expect(await suggestTitles({ q: 'ali', limit: 5 }, app.deps, app.log)).toEqual({
      suggestions: [{ id: 'm1', title: 'Alien', year: 1979 }],
      cache: 'HIT',
    });
    app.setNow('2026-01-01T00:00:10.000Z');
    const after = await suggestTitles({ q: 'ali', limit: 5 }, app.deps, app.log);
    expect(after.cache).toBe('MISS');
    expect(after.suggestions.map((s) => s.title).sort()).toEqual(['Alice', 'Alien']);
  });

  it('a cache outage degrades to the read store, with a warning per cache step', async () => {
    const app = await memoryApp();
    await createdAndProjected(app, 'm1', 'Alien');
    app.cache.down = true;
    expect(await suggestTitles({ q: 'ali', limit: 5 }, app.deps, app.log)).toEqual({
      suggestions: [{ id: 'm1', title: 'Alien' }],
      cache: 'MISS',
    });
    expect(app.log.lines.filter((l) => l.level === 'warn').map((l) => l.text)).toEqual([
      'cache degraded (get suggest): injected: cache server unreachable',
      'cache degraded (set suggest): injected: cache server unreachable',
    ]);
  });

  it('a read store outage is a 503', async () => {
    const app = await memoryApp();
    const down = {
      ...app.deps,
      readStore: {
        ...app.readStore,
        suggest: () => Promise.reject(new ReadStoreUnavailableError('injected: read store unreachable')),
      },
    };
    await expect(suggestTitles({ q: 'ali', limit: 5 }, down, app.log)).rejects.toMatchObject({
      status: 503,
      message: 'The read store is unavailable; retry shortly.',
    });
  });
});

describe('hostile query strings (literal values from the documented contract) answer 400 problem+json and read nothing', () => {
  // GET /api/movies: limit 1..100 (integer), yearFrom/yearTo 1800..3000 with yearFrom <= yearTo, minRating 0..10,
  // sort one of relevance (needs q), title, -title, year, -year, rating, -rating.
  // query -> the problem's `errors`: the parameter named, and why (literal, as a client reads them)
  const searchRejects: Array<[string, Array<{ path: string; message: string }>]> = [
    ['limit=0', [{ path: 'query.limit', message: 'Too small: expected number to be >=1' }]],
    ['limit=101', [{ path: 'query.limit', message: 'Too big: expected number to be <=100' }]],
    ['limit=150', [{ path: 'query.limit', message: 'Too big: expected number to be <=100' }]],
    ['limit=1e3', [{ path: 'query.limit', message: 'must be an integer' }]],
    ['limit=1000', [{ path: 'query.limit', message: 'Too big: expected number to be <=100' }]],
    ['limit=-1', [{ path: 'query.limit', message: 'Too small: expected number to be >=1' }]],
    ['limit=1.5', [{ path: 'query.limit', message: 'must be an integer' }]],
    ['limit=abc', [{ path: 'query.limit', message: 'must be an integer' }]],
    ['limit=', [{ path: 'query.limit', message: 'must be an integer' }]],
    ['limit=5&limit=6', [{ path: 'query.limit', message: 'Invalid input: expected string, received array' }]],
    ['yearFrom=1799', [{ path: 'query.yearFrom', message: 'Too small: expected number to be >=1800' }]],
    ['yearTo=3001', [{ path: 'query.yearTo', message: 'Too big: expected number to be <=3000' }]],
    ['yearFrom=-2000', [{ path: 'query.yearFrom', message: 'Too small: expected number to be >=1800' }]],
    ['yearFrom=2000.5', [{ path: 'query.yearFrom', message: 'must be an integer' }]],
    ['yearFrom=2001&yearTo=2000', [{ path: 'query.yearFrom', message: 'yearFrom must not be after yearTo' }]],
    ['minRating=-0.1', [{ path: 'query.minRating', message: 'Too small: expected number to be >=0' }]],
    ['minRating=10.1', [{ path: 'query.minRating', message: 'Too big: expected number to be <=10' }]],
    [
      'sort=newest',
      [
        {
          path: 'query.sort',
          message: 'Invalid option: expected one of "relevance"|"title"|"-title"|"year"|"-year"|"rating"|"-rating"',
        },
      ],
    ],
    [
      'sort=TITLE',
      [
        {
          path: 'query.sort',
          message: 'Invalid option: expected one of "relevance"|"title"|"-title"|"year"|"-year"|"rating"|"-rating"',
        },
      ],
    ],
    ['sort=relevance', [{ path: 'query.sort', message: 'relevance sort needs q' }]],
    ['cursor=abc', [{ path: 'query.cursor', message: 'is not a cursor from this endpoint' }]],
    [
      'mpaaRating=X',
      [{ path: 'query.mpaaRating', message: 'must be one of (any case): G, PG, PG-13, R, NC-17, Not Rated' }],
    ],
    ['unknownParameter=1', [{ path: 'query.unknownParameter', message: 'unknown field' }]],
    [
      'limit=0&sort=newest&colour=red',
      [
        { path: 'query.colour', message: 'unknown field' },
        { path: 'query.limit', message: 'Too small: expected number to be >=1' },
        {
          path: 'query.sort',
          message: 'Invalid option: expected one of "relevance"|"title"|"-title"|"year"|"-year"|"rating"|"-rating"',
        },
      ],
    ],
  ];
  it.each(searchRejects)('GET /api/movies?%s', async (query, errors) => {
    const app = await memoryApp();
    const answer = await call(searchMovies, app.deps, { method: 'GET', url: `http://h/api/movies?${query}` });
    expect(answer.status).toBe(400);
    expect(answer.headers['content-type']).toBe('application/problem+json');
    expect(answer.body).toMatchObject({ status: 400, detail: 'The request is not valid.' });
    expect(sortedErrors(answer.body)).toEqual(errors);
    expect(app.readStore.calls.search).toBe(0);
  });

  const searchAccepts = [
    'limit=1',
    'limit=100',
    'yearFrom=1800&yearTo=3000',
    'minRating=0',
    'minRating=10',
    'sort=-rating',
    'q=alien&sort=relevance',
  ];
  it.each(searchAccepts)('the bounds themselves are fine: GET /api/movies?%s answers 200', async (query) => {
    const app = await memoryApp();
    const answer = await call(searchMovies, app.deps, { method: 'GET', url: `http://h/api/movies?${query}` });
    expect(answer.status).toBe(200);
  });

  const historyRejects: Array<[string, string]> = [
    ['limit=0', 'Too small: expected number to be >=1'],
    ['limit=101', 'Too big: expected number to be <=100'],
    ['limit=150', 'Too big: expected number to be <=100'],
    ['limit=1e3', 'must be an integer'],
    ['limit=-1', 'Too small: expected number to be >=1'],
    ['limit=1.5', 'must be an integer'],
  ];
  it.each(historyRejects)('GET /api/movies/m1/history?%s', async (query, message) => {
    const app = await memoryApp();
    await createdAndProjected(app, 'm1', 'Alien');
    const answer = await call(movieHistory, app.deps, {
      method: 'GET',
      url: `http://h/api/movies/m1/history?${query}`,
      params: { id: 'm1' },
    });
    expect(answer.status).toBe(400);
    expect(answer.headers['content-type']).toBe('application/problem+json');
    expect(sortedErrors(answer.body)).toEqual([{ path: 'query.limit', message }]);
  });

  const minVersionRejects = ['0', '-1', '1.5', '1e3', 'abc'];
  it.each(minVersionRejects)('GET /api/movies/m1 with X-Min-Version: %s', async (value) => {
    const app = await memoryApp();
    await createdAndProjected(app, 'm1', 'Alien');
    const answer = await call(getMovie, app.deps, {
      method: 'GET',
      url: 'http://h/api/movies/m1',
      params: { id: 'm1' },
      headers: { 'x-min-version': value },
    });
    expect(answer.status).toBe(400);
    expect(answer.headers['content-type']).toBe('application/problem+json');
    expect(sortedErrors(answer.body)).toEqual([
      { path: 'header.X-Min-Version', message: 'must be a positive integer version' },
    ]);
  });
});

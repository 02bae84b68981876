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
import { getMovie, searchMovies } from '../../shared/read-model/queries';
import { handleCommand } from '../../shared/write-model/commands';
import { getMovie as getMovieFunction } from '../../functions/getMovie';
import { movieHistory } from '../../functions/movieHistory';
import { searchMovies as searchFunction } from '../../functions/searchMovies';
import { call, memoryApp, type MemoryApp } from '../support/memory';

const meta = { occurredAt: '2026-01-01T00:00:00.000Z', correlationId: 'c' };

/** Creates the movie through the command path and projects what was published (as the topic would). */
async function createdAndProjected(app: MemoryApp, id: string, title: string, extra: { releaseDate?: string } = {}): Promise<void> {
  await handleCommand({ type: 'CreateMovie', movieId: id, fields: { title, ...extra }, metadata: meta }, app.deps, app.log);
  for (const event of app.publisher.accepted.splice(0)) await project(event, app.deps);
}

async function changedNotProjected(app: MemoryApp, id: string, expectedVersion: number, title: string): Promise<StoredEvent> {
  const outcome = await handleCommand({ type: 'PatchMovie', movieId: id, expectedVersion, patch: { title }, metadata: meta }, app.deps, app.log);
  app.publisher.accepted.splice(0);
  return (outcome as { event: StoredEvent }).event;
}

describe('getMovie', () => {
  it('cache-aside: a miss reads the store and fills the cache; the next read is a hit and does not touch the store', async () => {
    const app = await memoryApp();
    await createdAndProjected(app, 'm1', 'Alien');
    expect(await getMovie('m1', undefined, app.deps, app.log)).toMatchObject({ cache: 'MISS', source: 'read-store', movie: { id: 'm1', title: 'Alien', version: 1 } });
    const gets = app.readStore.calls.get;
    expect(await getMovie('m1', undefined, app.deps, app.log)).toMatchObject({ cache: 'HIT', movie: { title: 'Alien' } });
    expect(app.readStore.calls.get).toBe(gets);
  });

  it('read-your-writes: X-Min-Version ahead of the read model answers from the write store', async () => {
    const app = await memoryApp();
    await createdAndProjected(app, 'm1', 'Alien');
    await changedNotProjected(app, 'm1', 1, 'Aliens');
    expect(await getMovie('m1', 2, app.deps, app.log)).toMatchObject({ source: 'write-store', movie: { version: 2, title: 'Aliens' } });
    expect(await getMovie('m1', 1, app.deps, app.log)).toMatchObject({ source: 'read-store', movie: { version: 1 } });
    expect(await getMovie('m1', undefined, app.deps, app.log)).toMatchObject({ source: 'read-store', movie: { version: 1 } });
  });

  it('read-your-writes of a delete not yet projected answers 404', async () => {
    const app = await memoryApp();
    await createdAndProjected(app, 'm1', 'Alien');
    await handleCommand({ type: 'DeleteMovie', movieId: 'm1', expectedVersion: 1, metadata: meta }, app.deps, app.log);
    await expect(getMovie('m1', 2, app.deps, app.log)).rejects.toMatchObject({ status: 404 });
  });

  it('a cache outage degrades: the answer comes from the read store and a warning is logged', async () => {
    const app = await memoryApp();
    await createdAndProjected(app, 'm1', 'Alien');
    app.cache.down = true;
    expect(await getMovie('m1', undefined, app.deps, app.log)).toMatchObject({ cache: 'MISS', movie: { title: 'Alien' } });
    expect(app.log.lines.filter((l) => l.level === 'warn').map((l) => l.text)).toContain('cache degraded (get movie): injected: cache server unreachable');
  });

  it('a read store outage is 503; with X-Min-Version the write store still answers', async () => {
    const app = await memoryApp();
    await createdAndProjected(app, 'm1', 'Alien');
    app.readStore.down = true;
    await expect(getMovie('m1', undefined, app.deps, app.log)).rejects.toBeInstanceOf(ServiceUnavailableError);
    expect(await getMovie('m1', 1, app.deps, app.log)).toMatchObject({ source: 'write-store', movie: { version: 1 } });
    const answer = await call(getMovieFunction, app.deps, { method: 'GET', url: 'http://h/api/movies/m1', params: { id: 'm1' } });
    expect(answer.status).toBe(503);
    expect(answer.headers['content-type']).toBe('application/problem+json');
  });
});

describe('searchMovies', () => {
  it('cache-aside over searches; a cache outage degrades to the store', async () => {
    const app = await memoryApp();
    await createdAndProjected(app, 'm1', 'Alien');
    await createdAndProjected(app, 'm2', 'Heat');
    const query = { sort: 'title' as const, limit: 10 };
    expect((await searchMovies(query, app.deps, app.log)).cache).toBe('MISS');
    const second = await searchMovies(query, app.deps, app.log);
    expect(second.cache).toBe('HIT');
    expect(second.page.items.map((m) => m.title)).toEqual(['Alien', 'Heat']);
    app.cache.down = true;
    const degraded = await searchMovies(query, app.deps, app.log);
    expect(degraded.cache).toBe('MISS');
    expect(degraded.page.total).toBe(2);
  });
});

describe('hostile query strings (literal values from the documented contract) answer 400 problem+json and read nothing', () => {
  // GET /api/movies: limit 1..100 (integer), yearFrom/yearTo 1800..3000 with yearFrom <= yearTo, minRating 0..10,
  // sort one of relevance (needs q), title, -title, year, -year, rating, -rating.
  const searchRejects = [
    'limit=0',
    'limit=101',
    'limit=150',
    'limit=1e3',
    'limit=1000',
    'limit=-1',
    'limit=1.5',
    'limit=abc',
    'limit=',
    'yearFrom=1799',
    'yearTo=3001',
    'yearFrom=-2000',
    'yearFrom=2000.5',
    'yearFrom=2001&yearTo=2000',
    'minRating=-0.1',
    'minRating=10.1',
    'sort=newest',
    'sort=TITLE',
    'sort=relevance',
    'unknownParameter=1',
  ];
  it.each(searchRejects)('GET /api/movies?%s', async (query) => {
    const app = await memoryApp();
    const answer = await call(searchFunction, app.deps, { method: 'GET', url: `http://h/api/movies?${query}` });
    expect(answer.status).toBe(400);
    expect(answer.headers['content-type']).toBe('application/problem+json');
    expect(answer.body).toMatchObject({ status: 400 });
    expect(app.readStore.calls.search).toBe(0);
  });

  const searchAccepts = ['limit=1', 'limit=100', 'yearFrom=1800&yearTo=3000', 'minRating=0', 'minRating=10', 'sort=-rating', 'q=alien&sort=relevance'];
  it.each(searchAccepts)('the bounds themselves are fine: GET /api/movies?%s answers 200', async (query) => {
    const app = await memoryApp();
    const answer = await call(searchFunction, app.deps, { method: 'GET', url: `http://h/api/movies?${query}` });
    expect(answer.status).toBe(200);
  });

  const historyRejects = ['limit=0', 'limit=101', 'limit=150', 'limit=1e3', 'limit=-1', 'limit=1.5'];
  it.each(historyRejects)('GET /api/movies/m1/history?%s', async (query) => {
    const app = await memoryApp();
    await createdAndProjected(app, 'm1', 'Alien');
    const answer = await call(movieHistory, app.deps, { method: 'GET', url: `http://h/api/movies/m1/history?${query}`, params: { id: 'm1' } });
    expect(answer.status).toBe(400);
    expect(answer.headers['content-type']).toBe('application/problem+json');
  });

  const minVersionRejects = ['0', '-1', '1.5', '1e3', 'abc'];
  it.each(minVersionRejects)('GET /api/movies/m1 with X-Min-Version: %s', async (value) => {
    const app = await memoryApp();
    await createdAndProjected(app, 'm1', 'Alien');
    const answer = await call(getMovieFunction, app.deps, { method: 'GET', url: 'http://h/api/movies/m1', params: { id: 'm1' }, headers: { 'x-min-version': value } });
    expect(answer.status).toBe(400);
    expect(answer.headers['content-type']).toBe('application/problem+json');
  });
});

/**
 * The query API over HTTP with the run's Elasticsearch (the embedded read store when the run has none; CI
 * always has one) and a Redis of the test's own: cache-aside with
 * exact per-movie invalidation, searches cached for a bounded time, degradation when Redis stops mid-test, read-your-writes, conditional GET, and
 * parameter validation.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { suiteReadStoreKind } from '../support/read-store';
import { startTestHost, type TestHost } from '../support/host';
import { redisUnavailableReason, startTestRedis, type TestRedis } from '../support/redis';
import { unavailable } from '../support/services';

const skip = unavailable('Redis', redisUnavailableReason());
const readStoreKind = suiteReadStoreKind('queries');

describe.skipIf(skip)('queries', () => {
  let host: TestHost;
  let redis: TestRedis;
  const MERGE = { 'content-type': 'application/merge-patch+json' };

  beforeAll(async () => {
    redis = await startTestRedis();
    host = await startTestHost({
      elasticsearch: readStoreKind === 'elasticsearch',
      env: { REDIS_URL: redis.url, REDIS_TIMEOUT_MS: '200', SEARCH_CACHE_TTL_SECONDS: '2' },
    });
  });
  afterAll(async () => {
    await host?.stop();
    await redis?.stop();
  });

  async function create(body: object): Promise<string> {
    const res = await host.api('movies', { method: 'POST', body });
    expect(res.status).toBe(201);
    return res.json.id as string;
  }

  it('GET /movies/{id}: MISS then HIT; an event of that movie invalidates exactly it', async () => {
    const id = await create({ title: 'Cached', genres: ['Drama'] });
    const other = await create({ title: 'Bystander' });
    await host.settle();
    const miss = await host.api(`movies/${id}`);
    expect(miss.status).toBe(200);
    expect(miss.headers.get('x-cache')).toBe('MISS');
    expect(miss.headers.get('etag')).toBe('"1"');
    expect((await host.api(`movies/${id}`)).headers.get('x-cache')).toBe('HIT');
    await host.api(`movies/${other}`);
    expect((await host.api(`movies/${other}`)).headers.get('x-cache')).toBe('HIT');

    await host.api(`movies/${id}`, {
      method: 'PATCH',
      rawBody: '{"title":"Cached, changed"}',
      headers: { ...MERGE, 'If-Match': '"1"' },
    });
    await host.settle();
    const after = await host.api(`movies/${id}`);
    expect(after.headers.get('x-cache')).toBe('MISS');
    expect(after.json).toMatchObject({ title: 'Cached, changed', version: 2 });
    expect((await host.api(`movies/${other}`)).headers.get('x-cache')).toBe('HIT');
  });

  it('a write does not invalidate cached searches; a change shows once the search TTL (2 s here) has passed', async () => {
    await create({ title: 'Staleness one', genres: ['Western'] });
    await host.settle();
    const first = await host.api('movies?genre=Western');
    expect(first.headers.get('x-cache')).toBe('MISS');
    expect((await host.api('movies?genre=Western')).headers.get('x-cache')).toBe('HIT');
    await create({ title: 'Staleness two', genres: ['Western'] });
    await host.settle();
    let after = await host.api('movies?genre=Western');
    for (let i = 0; i < 100 && after.json.total === first.json.total; i++) {
      await new Promise((r) => setTimeout(r, 100));
      after = await host.api('movies?genre=Western');
    }
    expect(after.headers.get('x-cache')).toBe('MISS');
    expect(after.json.total).toBe(first.json.total + 1);
    expect(after.json.facets.genres).toContainEqual({ value: 'Western', count: after.json.total });
  });

  it('If-None-Match with the current ETag answers 304; unknown and deleted ids 404', async () => {
    const id = await create({ title: 'Conditional' });
    await host.settle();
    expect((await host.api(`movies/${id}`, { headers: { 'If-None-Match': '"1"' } })).status).toBe(304);
    expect((await host.api(`movies/${id}`, { headers: { 'If-None-Match': '"7"' } })).status).toBe(200);
    expect((await host.api('movies/never-existed')).status).toBe(404);
    await host.api(`movies/${id}`, { method: 'DELETE', headers: { 'If-Match': '"1"' } });
    await host.settle();
    const gone = await host.api(`movies/${id}`);
    expect(gone.status).toBe(404);
    expect(gone.headers.get('content-type')).toContain('application/problem+json');
  });

  it('read-your-writes: X-Min-Version ahead of the read model answers from the write store', async () => {
    const id = await create({ title: 'Before' });
    await host.settle();
    host.topic.chaos = { rejectPublishRate: 1 }; // the read model falls behind
    try {
      const res = await host.api(`movies/${id}`, {
        method: 'PATCH',
        rawBody: '{"title":"After"}',
        headers: { ...MERGE, 'If-Match': '"1"' },
      });
      expect(res.headers.get('etag')).toBe('"2"');
      const stale = await host.api(`movies/${id}`);
      expect(stale.json).toMatchObject({ title: 'Before', version: 1 });
      expect(stale.headers.get('x-read-source')).toBe('read-store');
      const fresh = await host.api(`movies/${id}`, { headers: { 'X-Min-Version': '2' } });
      expect(fresh.status).toBe(200);
      expect(fresh.json).toMatchObject({ title: 'After', version: 2 });
      expect(fresh.headers.get('x-read-source')).toBe('write-store');
      expect(fresh.headers.get('etag')).toBe('"2"');
      const current = await host.api(`movies/${id}`, { headers: { 'X-Min-Version': '1' } });
      expect(current.headers.get('x-read-source')).toBe('read-store');
      expect((await host.api(`movies/${id}`, { headers: { 'X-Min-Version': 'soon' } })).status).toBe(400);
    } finally {
      host.topic.chaos = {};
      await host.runTimer('relay');
      await host.settle();
    }
  });

  it('read-your-writes after a DELETE: before the projection a plain GET still answers the last projected version, with X-Min-Version it is 404', async () => {
    const id = await create({ title: 'Doomed' });
    await host.settle();
    host.topic.chaos = { rejectPublishRate: 1 }; // the DELETE's event does not reach the read model yet
    try {
      const deleted = await host.api(`movies/${id}`, { method: 'DELETE', headers: { 'If-Match': '"1"' } });
      expect(deleted.status).toBe(204);
      const stale = await host.api(`movies/${id}`);
      expect(stale.status).toBe(200);
      expect(stale.json).toMatchObject({ title: 'Doomed', version: 1 });
      const gone = await host.api(`movies/${id}`, { headers: { 'X-Min-Version': '2' } });
      expect(gone.status).toBe(404);
      expect(gone.headers.get('content-type')).toContain('application/problem+json');
    } finally {
      host.topic.chaos = {};
      await host.runTimer('relay');
      await host.settle();
    }
    expect((await host.api(`movies/${id}`)).status).toBe(404); // once projected, for every reader
  });

  it('invalid search parameters are a 400 problem naming each of them', async () => {
    const res = await host.api('movies?limit=0&sort=popularity&yearFrom=abc&mpaaRating=X&unknown=1');
    expect(res.status).toBe(400);
    expect(res.json.errors.map((e: { path: string }) => e.path).sort()).toEqual(
      ['query.limit', 'query.mpaaRating', 'query.sort', 'query.unknown', 'query.yearFrom'].sort(),
    );
    expect((await host.api('movies?cursor=not-a-cursor')).status).toBe(400);
    expect((await host.api('movies?sort=relevance')).status).toBe(400);
    expect((await host.api('movies?yearFrom=2000&yearTo=1990')).status).toBe(400);
  });

  it('Redis stopped mid-test: queries keep answering from the read store and log the degradation', async () => {
    const id = await create({ title: 'Survives Redis' });
    await host.settle();
    expect((await host.api(`movies/${id}`)).status).toBe(200);
    await redis.stop();
    try {
      const started = Date.now();
      for (let i = 0; i < 5; i++) {
        const one = await host.api(`movies/${id}`);
        expect(one.status).toBe(200);
        expect(one.headers.get('x-cache')).toBe('MISS');
        expect((await host.api('movies?q=Survives')).status).toBe(200);
      }
      expect(Date.now() - started).toBeLessThan(10_000); // bounded: no hanging on a dead cache
      expect(host.logger.lines.some((l) => l.includes('cache degraded'))).toBe(true);
      const health = await host.api('health');
      expect(health.status).toBe(200);
      expect(health.json).toMatchObject({ status: 'degraded', dependencies: { cache: 'down' } });
    } finally {
      await redis.start();
    }
    // back: the cache fills again
    for (let i = 0; i < 50 && (await host.api(`movies/${id}`)).headers.get('x-cache') !== 'HIT'; i++)
      await new Promise((r) => setTimeout(r, 100));
    expect((await host.api(`movies/${id}`)).headers.get('x-cache')).toBe('HIT');
  });
});

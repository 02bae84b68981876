/**
 * Round trips of the read side, counted at the wire: every command a private redis-server executes (its
 * MONITOR stream) and every request that reaches the run's Elasticsearch (through a counting proxy).
 * A cached GET is one Redis command and no Elasticsearch request; a projection is one bulk request that
 * does not wait for a refresh, and one Redis command; concurrent projections share bulk requests.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cloudEventEnvelope } from '../../shared/adapters/eventgrid-publisher';
import { createMemoryDeadLetterStore } from '../../shared/adapters/memory-dead-letters';
import { createMemoryJobStore } from '../../shared/adapters/memory-job-store';
import { createMemoryEventStore } from '../../shared/adapters/memory-event-store';
import { createMemoryPublisher } from '../../shared/adapters/memory-publisher';
import { createRedisCache } from '../../shared/adapters/redis-cache';
import type { Cache, Deps, StoredEvent } from '../../shared/ports';
import { createElasticsearchReadStore } from '../../shared/read-model/elasticsearch';
import type { ReadEntry, ReadStore } from '../../shared/read-model/port';
import { project } from '../../shared/read-model/projection';
import { findMovies, readMovie } from '../../shared/read-model/queries';
import { startCountingProxy, type CountingProxy } from '../support/counting-proxy';
import { deleteIndicesWithPrefix, elasticsearchUnavailableReason, uniqueIndexPrefix } from '../support/elasticsearch';
import { capturedLogger } from '../support/memory';
import { redisUnavailableReason, startTestRedis, type TestRedis } from '../support/redis';
import { unavailable } from '../support/services';

const skip =
  unavailable('Redis', redisUnavailableReason()) || unavailable('Elasticsearch', elasticsearchUnavailableReason());

function event(movieId: string, version: number, title: string): StoredEvent {
  const at = `2026-01-01T00:0${version}:00.000Z`;
  return {
    type: version === 1 ? 'MovieCreated' : 'MovieUpdated',
    state: { id: movieId, version, title, genres: ['Drama'], createdAt: '2026-01-01T00:00:00.000Z', updatedAt: at },
    changed: ['title'],
    metadata: { movieId, version, occurredAt: at, correlationId: 'c' },
    id: `${movieId}:${version}`,
    movieId,
    version,
    dispatched: true,
  };
}

describe.skipIf(skip)('round trips per request, counted at the wire', () => {
  const alias = uniqueIndexPrefix('trips');
  const log = capturedLogger();
  let redis: TestRedis;
  let proxy: CountingProxy;
  let monitorOwner: Redis;
  let monitor: Redis;
  let marker: Redis;
  let cache: Cache;
  let readStore: ReadStore;
  let deps: Deps;
  const seen: string[][] = [];

  beforeAll(async () => {
    redis = await startTestRedis();
    proxy = await startCountingProxy(process.env.ELASTICSEARCH_URL!);
    monitorOwner = new Redis(redis.url);
    monitor = await monitorOwner.monitor();
    // Commands a script runs inside the server show with source "lua": they are no round trip.
    monitor.on(
      'monitor',
      (_time: string, args: string[], source: string) => void (source === 'lua' ? undefined : seen.push(args)),
    );
    marker = new Redis(redis.url);
    cache = createRedisCache({ url: redis.url, timeoutMs: 2_000 });
    for (let i = 0; (await cache.health()) !== 'up'; i++) {
      if (i > 200) throw new Error('the Redis adapter did not connect');
      await new Promise((r) => setTimeout(r, 50));
    }
    readStore = createElasticsearchReadStore({ node: proxy.url, alias });
    await readStore.init();
    deps = {
      eventStore: createMemoryEventStore(),
      publisher: createMemoryPublisher(),
      readStore,
      cache,
      deadLetters: createMemoryDeadLetterStore(),
      jobs: createMemoryJobStore(),
      clock: () => new Date('2026-01-01T00:10:00.000Z'),
      newId: () => 'unused',
      settings: {
        cacheTtlSeconds: 300,
        searchCacheTtlSeconds: 10,
        relayGraceSeconds: 30,
        jobPageSize: 500,
        jobTickSeconds: 0,
      },
    };
    // Warm-up: the client's first request, and Redis learning the script (EVALSHA, NOSCRIPT, EVAL).
    await project(cloudEventEnvelope(event('warm-up', 1, 'Warm up')), deps);
  });

  afterAll(async () => {
    monitor?.disconnect();
    monitorOwner?.disconnect();
    marker?.disconnect();
    await cache?.close();
    await readStore?.close();
    await proxy?.close();
    await redis?.stop();
    if (process.env.ELASTICSEARCH_URL)
      await deleteIndicesWithPrefix(process.env.ELASTICSEARCH_URL, alias).catch(() => undefined);
  });

  let marks = 0;
  /** Runs `op`; returns the Redis commands (name and key) and the Elasticsearch requests it caused. */
  async function trips(op: () => Promise<unknown>): Promise<{ redis: string[]; es: string[] }> {
    const mark = `mark-${++marks}`;
    await marker.echo(`${mark}-start`);
    proxy.reset();
    await op();
    const es = [...proxy.requests];
    await marker.echo(`${mark}-end`);
    await expect
      .poll(() => seen.some((args) => args[1] === `${mark}-end`), { timeout: 5_000, interval: 10 })
      .toBe(true);
    const from = seen.findIndex((args) => args[1] === `${mark}-start`);
    const to = seen.findIndex((args) => args[1] === `${mark}-end`);
    const commands = seen.slice(from + 1, to).map((args) => {
      const name = args[0]!.toLowerCase();
      // EVALSHA <sha> <numkeys> <key> ...: name the key, not the hash
      return name === 'evalsha' || name === 'eval' ? `${name} ${args[3]}` : `${name} ${args[1]}`;
    });
    return { redis: commands, es };
  }

  it('GET of one movie: uncached = 1 Redis GET + 1 Elasticsearch GET + 1 fill; cached = 1 Redis GET and nothing else', async () => {
    await project(cloudEventEnvelope(event('m1', 1, 'Alien')), deps);
    expect(await trips(() => readMovie('m1', undefined, deps, log))).toEqual({
      redis: ['get movie:m1', 'evalsha movie:m1'],
      es: [`GET /${alias}/_doc/m1`],
    });
    let answer: unknown;
    expect(await trips(async () => (answer = await readMovie('m1', undefined, deps, log)))).toEqual({
      redis: ['get movie:m1'],
      es: [],
    });
    expect(answer).toMatchObject({ cache: 'HIT', movie: { id: 'm1', version: 1, title: 'Alien' } });
  });

  it('a projection = 1 bulk request without a refresh wait + 1 Redis command; the next GET reads the new version exactly', async () => {
    expect(await trips(() => project(cloudEventEnvelope(event('m1', 2, 'Aliens')), deps))).toEqual({
      redis: ['evalsha movie:m1'],
      es: ['POST /_bulk?require_alias=true'],
    });
    let answer: unknown;
    expect(await trips(async () => (answer = await readMovie('m1', undefined, deps, log)))).toEqual({
      redis: ['get movie:m1', 'evalsha movie:m1'],
      es: [`GET /${alias}/_doc/m1`],
    });
    expect(answer).toMatchObject({ cache: 'MISS', movie: { version: 2, title: 'Aliens' } });
  });

  it('concurrent projections share bulk requests (4 in flight, the rest wait and go together), each with its own outcome or error', async () => {
    const movie = (id: string, extra: object = {}): ReadEntry => ({
      kind: 'movie',
      movie: {
        id,
        version: 1,
        title: `Shared ${id}`,
        createdAt: '2026-01-01T00:00:00.000Z',
        updatedAt: '2026-01-01T00:00:00.000Z',
        ...extra,
      },
    });
    const entries = Array.from({ length: 20 }, (_, i) =>
      i === 9 ? movie(`g-${i}`, { notInTheMapping: true }) : movie(`g-${i}`),
    );
    let settled: Array<PromiseSettledResult<string[]>> = [];
    const counted = await trips(
      async () => (settled = await Promise.allSettled(entries.map((e) => readStore.apply([e])))),
    );
    expect(counted.es).toEqual(Array.from({ length: 5 }, () => 'POST /_bulk?require_alias=true'));
    expect(
      settled.map((r) => (r.status === 'fulfilled' ? r.value.join() : (r.reason as Error).message.slice(0, 33))),
    ).toEqual([
      ...Array.from({ length: 9 }, () => 'applied'),
      "Elasticsearch rejected 'g-9' (400",
      ...Array.from({ length: 10 }, () => 'applied'),
    ]);
  });

  it('search: uncached = 1 Redis GET + 1 Elasticsearch search + 1 SET; cached = 1 Redis GET and nothing else', async () => {
    const query = { genres: ['Drama'], sort: 'title' as const, limit: 10 };
    const uncached = await trips(() => findMovies(query, deps, log));
    expect(uncached.es).toEqual([`POST /${alias}/_search`]);
    expect(uncached.redis.map((c) => c.split(':')[0])).toEqual(['get search', 'set search']);
    expect(await trips(() => findMovies(query, deps, log))).toEqual({ redis: [uncached.redis[0]], es: [] });
  });
});

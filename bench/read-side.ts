/**
 * `npm run bench:read`: the read side's figures (issue 15), each beside the rule it replaces measured in
 * the same run, against a real Elasticsearch (ELASTICSEARCH_URL, required) and a private redis-server:
 * 1. search cache hit ratio under writes: BENCH_MIX_SEARCH_RATE (200) searches/s over a skewed query mix
 *    with BENCH_MIX_WRITE_RATE (2) projected writes/s; the new rule (searches cached for
 *    SEARCH_CACHE_TTL_SECONDS, not invalidated by writes) and the old one (a search generation every
 *    projection bumps) see the same stream of requests;
 * 2. projection throughput and write -> searchable lag: BENCH_PROJECT_EVENTS (10,000) events through
 *    project() with BENCH_PROJECT_CONCURRENCY (64) in flight, beside the old rule (refresh=wait_for per
 *    event, BENCH_PROJECT_BASELINE_EVENTS 2,000);
 * 3. rebuild rate at BENCH_REBUILD_MOVIES (100,000) synthetic movies (bench/synthetic.ts, every version in an
 *    in-memory write store), beside the old load (one bulk of 500 at a time into an index with its live
 *    settings), with the write store's scan and the read store's load also timed alone.
 * Writes bench/results/read-side.json. See bench/README.md.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { Client } from '@elastic/elasticsearch';
import { Redis } from 'ioredis';
import { cloudEventEnvelope } from '../shared/adapters/eventgrid-publisher';
import { createMemoryDeadLetterStore } from '../shared/adapters/memory-dead-letters';
import { createMemoryJobStore } from '../shared/adapters/memory-job-store';
import { createMemoryEventStore } from '../shared/adapters/memory-event-store';
import { createMemoryPublisher } from '../shared/adapters/memory-publisher';
import { createRedisCache } from '../shared/adapters/redis-cache';
import type { MovieEvent } from '../shared/domain/events';
import { toRepresentation, type MovieState } from '../shared/domain/movie';
import { rebuildReadModel } from '../shared/operations/rebuild';
import type { Deps, Logger, StoredEvent } from '../shared/ports';
import { MOVIE_MAPPINGS, createElasticsearchReadStore } from '../shared/read-model/elasticsearch';
import { createNewIndex, type ReadEntry, type SearchQuery } from '../shared/read-model/port';
import { entryOfStored, project } from '../shared/read-model/projection';
import { directorKey, titleSortKey } from '../shared/read-model/search-semantics';
import { findMovies, queryHash } from '../shared/read-model/queries';
import { mulberry32 as random } from '../shared/local/keyed-random';
import { mapRecord } from '../shared/seed/mapping';
import { loadVegaMovies } from '../scripts/seed';
import { deleteIndicesWithPrefix } from '../test/support/elasticsearch';
import { startTestRedis } from '../test/support/redis';
import { ROOT } from './coldstart';
import { syntheticMovies } from './synthetic';
import { num, sleep, summarize } from './measure';

const SEARCH_RATE = num('BENCH_MIX_SEARCH_RATE', 200);
const WRITE_RATE = num('BENCH_MIX_WRITE_RATE', 2);
const MIX_SECONDS = num('BENCH_MIX_SECONDS', 30);
const MIX_WARMUP_SECONDS = num('BENCH_MIX_WARMUP_SECONDS', 10);
const SEARCH_TTL = num('SEARCH_CACHE_TTL_SECONDS', 10);
const PROJECT_EVENTS = num('BENCH_PROJECT_EVENTS', 10_000);
const PROJECT_BASELINE_EVENTS = num('BENCH_PROJECT_BASELINE_EVENTS', 2_000);
const PROJECT_CONCURRENCY = num('BENCH_PROJECT_CONCURRENCY', 64);
const REBUILD_MOVIES = num('BENCH_REBUILD_MOVIES', 100_000);
const REBUILD_BATCH = num('BENCH_REBUILD_BATCH', 4_000);

const log = (message: string) => console.log(`[bench:read ${new Date().toISOString().slice(11, 19)}] ${message}`);
const quiet: Logger = { log: () => undefined, warn: () => undefined, error: (...args) => console.error(...args) };
const results: Record<string, unknown> = {};

/** The seed catalog's movies as states (version 1, old event times so a rebuild's tail is empty). */
function catalogStates(): MovieState[] {
  const at = '2020-01-01T00:00:00.000Z';
  const states: MovieState[] = [];
  loadVegaMovies().forEach((raw, i) => {
    const record = mapRecord(raw, i);
    if (record.ok) states.push({ id: `vega-${i}`, version: 1, ...record.fields, createdAt: at, updatedAt: at });
  });
  return states;
}

function eventOf(
  state: MovieState,
  type: MovieEvent['type'] = state.version === 1 ? 'MovieCreated' : 'MovieUpdated',
): MovieEvent {
  return {
    type,
    state,
    changed: [],
    metadata: { movieId: state.id, version: state.version, occurredAt: state.updatedAt, correlationId: 'bench' },
  };
}

function stored(event: MovieEvent): StoredEvent {
  return {
    ...event,
    id: `${event.state.id}:${event.state.version}`,
    movieId: event.state.id,
    version: event.state.version,
    dispatched: true,
  };
}

/** Skewed query mix: `count` distinct searches, the k-th asked with weight 1/k (Zipf, s = 1). */
function queryMix(
  states: readonly MovieState[],
  count: number,
): { queries: SearchQuery[]; pick: (r: number) => SearchQuery } {
  const rnd = random(15);
  const genres = [...new Set(states.flatMap((s) => s.genres ?? []))].sort();
  const words = [
    ...new Set(states.flatMap((s) => s.title.toLowerCase().split(/[^a-z]+/)).filter((w) => w.length >= 4)),
  ].sort();
  const sorts = ['title', '-rating', '-year'] as const;
  const queries: SearchQuery[] = [];
  const seen = new Set<string>();
  while (queries.length < count) {
    const kind = rnd();
    const q: SearchQuery =
      kind < 0.4
        ? {
            genres: [genres[Math.floor(rnd() * genres.length)]!],
            sort: sorts[Math.floor(rnd() * sorts.length)]!,
            limit: 20,
          }
        : kind < 0.8
          ? { q: words[Math.floor(rnd() * words.length)]!, sort: 'relevance', limit: 20 }
          : {
              yearFrom: 1950 + Math.floor(rnd() * 6) * 10,
              yearTo: 1959 + Math.floor(rnd() * 6) * 10,
              sort: '-rating',
              limit: 20,
            };
    const hash = queryHash(q);
    if (!seen.has(hash)) {
      seen.add(hash);
      queries.push(q);
    }
  }
  const weights = queries.map((_, k) => 1 / (k + 1));
  const total = weights.reduce((a, b) => a + b, 0);
  const cumulative: number[] = [];
  weights.reduce((acc, w) => (cumulative.push((acc + w) / total), acc + w), 0);
  return {
    queries,
    pick: (r) => {
      let lo = 0;
      let hi = cumulative.length - 1;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (cumulative[mid]! < r) lo = mid + 1;
        else hi = mid;
      }
      return queries[lo]!;
    },
  };
}

/**
 * Runs `op(i)` for i = 0..count-1 at `rate`/s, each at its scheduled time, at most `maxInFlight` at once
 * (beyond that the machine is not keeping up: the achieved rate says so). Failures are counted.
 */
async function openLoop(
  rate: number,
  count: number,
  op: (i: number) => Promise<void>,
  maxInFlight = 64,
): Promise<{ seconds: number; failures: number; firstError?: string }> {
  const started = performance.now();
  const inFlight = new Set<Promise<void>>();
  let failures = 0;
  let firstError: string | undefined;
  for (let i = 0; i < count; i++) {
    const due = started + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    while (inFlight.size >= maxInFlight) await Promise.race(inFlight);
    const one: Promise<void> = op(i)
      .catch((error: Error) => {
        failures++;
        firstError ??= error.message;
      })
      .finally(() => inFlight.delete(one));
    inFlight.add(one);
  }
  await Promise.all(inFlight);
  return { seconds: (performance.now() - started) / 1000, failures, firstError };
}

async function main(): Promise<void> {
  const esUrl = process.env.ELASTICSEARCH_URL;
  if (!esUrl)
    throw new Error('ELASTICSEARCH_URL is required (npm run es:start, then ELASTICSEARCH_URL=http://127.0.0.1:9200)');
  const machine = {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    memoryBytes: os.totalmem(),
    loadAverage: os.loadavg(),
    node: process.version,
    date: new Date().toISOString(),
  };
  log(`${machine.cpus} x ${machine.cpuModel}, load average ${machine.loadAverage.map((l) => l.toFixed(1)).join(' ')}`);
  const alias = `bench-read-${Date.now().toString(36)}`;
  const redis = await startTestRedis();
  const es = new Client({ node: esUrl });
  const raw = new Redis(redis.url);
  const cache = createRedisCache({ url: redis.url, timeoutMs: 2_000 });
  const readStore = createElasticsearchReadStore({ node: esUrl, alias, requestTimeoutMs: 60_000 });
  const eventStore = createMemoryEventStore();
  const deps: Deps = {
    eventStore,
    publisher: createMemoryPublisher(),
    readStore,
    cache,
    deadLetters: createMemoryDeadLetterStore(),
    jobs: createMemoryJobStore(),
    clock: () => new Date(),
    newId: () => 'unused',
    settings: {
      cacheTtlSeconds: 300,
      searchCacheTtlSeconds: SEARCH_TTL,
      relayGraceSeconds: 30,
      jobPageSize: 500,
      jobTickSeconds: 0,
    },
  };
  try {
    for (let i = 0; (await cache.health()) !== 'up'; i++) {
      if (i > 200) throw new Error('redis did not come up');
      await sleep(50);
    }
    const catalog = catalogStates();
    await readStore.init();
    for (let i = 0; i < catalog.length; i += 1000) {
      await readStore.apply(
        catalog.slice(i, i + 1000).map((s): ReadEntry => ({ kind: 'movie', movie: toRepresentation(s) })),
      );
    }
    await readStore.refresh();
    log(`catalog: ${catalog.length} movies in alias ${alias}; search cache TTL ${SEARCH_TTL} s`);

    // ---- 1. search cache hit ratio under writes ----
    const mix = queryMix(catalog, num('BENCH_MIX_QUERIES', 300));
    const versions = new Map(catalog.map((s) => [s.id, 1]));
    const counts = { new: { hit: 0, miss: 0 }, old: { hit: 0, miss: 0 } };
    let measuring = false;
    /**
     * The rule replaced: a generation read, then the value; every projection bumps the generation. Its
     * misses are counted and filled with the answer at hand instead of a second Elasticsearch search, so
     * both rules can follow one stream at this rate here (the value does not change whether a key hits).
     */
    const oldSearch = async (query: SearchQuery, answer: string): Promise<void> => {
      const gen = (await raw.get('old:movies:gen')) ?? '0';
      const key = `old:movies:${gen}:${queryHash(query)}`;
      const hit = (await raw.get(key)) !== null;
      if (measuring) counts.old[hit ? 'hit' : 'miss']++;
      if (!hit) await raw.set(key, answer, 'EX', 300);
    };
    const newSearch = async (query: SearchQuery): Promise<string> => {
      const { cache: status, page } = await findMovies(query, deps, quiet);
      if (measuring) counts.new[status === 'HIT' ? 'hit' : 'miss']++;
      return JSON.stringify(page);
    };
    const rnd = random(67057);
    const writeRnd = random(18);
    const searchCount = Math.round(SEARCH_RATE * (MIX_SECONDS + MIX_WARMUP_SECONDS));
    const writeEvery = Math.max(1, Math.round(SEARCH_RATE / WRITE_RATE));
    let writes = 0;
    const latencies: number[] = [];
    log(
      `mix: ${SEARCH_RATE} searches/s and ${WRITE_RATE} writes/s for ${MIX_WARMUP_SECONDS} s warm-up + ${MIX_SECONDS} s measured, over ${mix.queries.length} distinct searches (Zipf)...`,
    );
    const warmupDone = setTimeout(() => void (measuring = true), MIX_WARMUP_SECONDS * 1000);
    const loop = await openLoop(SEARCH_RATE, searchCount, async (i) => {
      const query = mix.pick(rnd());
      if (i % writeEvery === 0) {
        const target = catalog[Math.floor(writeRnd() * catalog.length)]!;
        const version = versions.get(target.id)! + 1;
        versions.set(target.id, version);
        const state = {
          ...target,
          version,
          imdbRating: Math.round(writeRnd() * 100) / 10,
          updatedAt: new Date().toISOString(),
        };
        await project(cloudEventEnvelope(stored(eventOf(state))), deps);
        await raw.incr('old:movies:gen'); // what the old projector did on every event
        writes++;
      }
      const t = performance.now();
      const answer = await newSearch(query);
      latencies.push(performance.now() - t);
      await oldSearch(query, answer);
    });
    clearTimeout(warmupDone);
    const mixSeconds = loop.seconds;
    const ratio = (c: { hit: number; miss: number }) => c.hit / Math.max(1, c.hit + c.miss);
    results.mix = {
      searchesPerSecond: searchCount / mixSeconds,
      failures: loop.failures,
      firstError: loop.firstError,
      writes,
      seconds: mixSeconds,
      counts,
      newHitRatio: ratio(counts.new),
      oldHitRatio: ratio(counts.old),
      newSearchLatency: summarize(latencies),
    };
    log(
      `  search cache hit ratio: ${(100 * ratio(counts.new)).toFixed(1)} % (TTL ${SEARCH_TTL} s, no invalidation) vs ${(100 * ratio(counts.old)).toFixed(1)} % (generation bumped per projection); ${counts.new.hit + counts.new.miss} measured searches each, ${writes} writes, ${(searchCount / mixSeconds).toFixed(0)} searches/s achieved, ${loop.failures} failed${loop.firstError ? ` (${loop.firstError})` : ''}`,
    );

    // ---- 2. projection throughput and write -> searchable lag ----
    const projectRun = async (label: string, events: number, refresh: boolean) => {
      const prefix = `${label}-${Date.now().toString(36)}`;
      const states = Array.from({ length: events }, (_, i): MovieState => ({
        ...catalog[i % catalog.length]!,
        id: `${prefix}-${i}`,
        version: 1,
        updatedAt: new Date().toISOString(),
      }));
      const started = new Map<string, number>();
      const visible = new Map<string, number>();
      let stop = false;
      const sampled = states.filter((_, i) => i % 10 === 0).map((s) => s.id);
      // One poller: which sampled movies can a search see now? (a search, not a GET: GET is realtime)
      const poller = (async () => {
        while (!stop || visible.size < sampled.length) {
          const pending = sampled.filter((id) => started.has(id) && !visible.has(id)).slice(0, 1000);
          if (pending.length > 0) {
            const res = await es.search<{ id: string }>({
              index: alias,
              size: pending.length,
              _source: ['id'],
              query: { terms: { id: pending } },
            });
            const now = performance.now();
            for (const hit of res.hits.hits) if (hit._source) visible.set(hit._source.id, now);
          }
          if (stop && sampled.every((id) => visible.has(id))) break;
          await sleep(20);
        }
      })();
      let next = 0;
      const t0 = performance.now();
      const worker = async () => {
        for (let i = next++; i < states.length; i = next++) {
          const state = states[i]!;
          started.set(state.id, performance.now());
          if (refresh) {
            // The rule replaced: wait for the refresh, then invalidate.
            await readStore.apply([{ kind: 'movie', movie: toRepresentation(state) }], { refresh: true });
            await cache.putVersioned(`movie:${state.id}`, state.version, null, 300);
          } else {
            await project(cloudEventEnvelope(stored(eventOf(state))), deps);
          }
        }
      };
      await Promise.all(Array.from({ length: PROJECT_CONCURRENCY }, worker));
      const seconds = (performance.now() - t0) / 1000;
      stop = true;
      await poller;
      const lags = sampled.map((id) => visible.get(id)! - started.get(id)!);
      return { events, seconds, eventsPerSecond: events / seconds, lag: summarize(lags) };
    };
    log(`projection: ${PROJECT_EVENTS} events, ${PROJECT_CONCURRENCY} in flight, no refresh wait...`);
    const fast = await projectRun('p', PROJECT_EVENTS, false);
    log(
      `  ${fast.eventsPerSecond.toFixed(0)} events/s; write -> searchable p50 ${fast.lag.p50.toFixed(0)} ms, p99 ${fast.lag.p99.toFixed(0)} ms`,
    );
    log(`baseline: ${PROJECT_BASELINE_EVENTS} events with refresh=wait_for per event...`);
    const slow = await projectRun('w', PROJECT_BASELINE_EVENTS, true);
    log(
      `  ${slow.eventsPerSecond.toFixed(0)} events/s; write -> searchable p50 ${slow.lag.p50.toFixed(0)} ms, p99 ${slow.lag.p99.toFixed(0)} ms`,
    );
    results.projection = { concurrency: PROJECT_CONCURRENCY, noRefreshWait: fast, refreshWaitFor: slow };

    // ---- 3. rebuild at REBUILD_MOVIES ----
    log(
      `rebuild: ${REBUILD_MOVIES} synthetic movies (syntheticMovies, seed 15, every version) into the write store in memory...`,
    );
    const rebuildEvents = createMemoryEventStore();
    let rebuildEventCount = 0;
    for (const movie of syntheticMovies(REBUILD_MOVIES, 15)) {
      for (const e of movie.events) await rebuildEvents.append(e);
      rebuildEventCount += movie.events.length;
    }
    log(`  ${rebuildEventCount} events`);
    const rebuildDeps = { ...deps, eventStore: rebuildEvents };
    // The parts: the write store's scan alone, and the read store's load alone (new index, concurrent
    // bulks without refresh or replica, swap with the live settings back).
    let t = performance.now();
    const entries: ReadEntry[] = [];
    for await (const batch of rebuildEvents.scanLatest({ batchSize: REBUILD_BATCH }))
      for (const e of batch) entries.push(entryOfStored(e));
    const scanSeconds = (performance.now() - t) / 1000;
    t = performance.now();
    const loadIndex = await createNewIndex(readStore);
    for (let i = 0; i < entries.length; i += REBUILD_BATCH)
      await readStore.apply(entries.slice(i, i + REBUILD_BATCH), { index: loadIndex });
    const previous = await readStore.swapAlias(loadIndex);
    const loadSeconds = (performance.now() - t) / 1000;
    for (const old of previous) await readStore.deleteIndex(old);
    log(
      `  write store scan alone: ${(REBUILD_MOVIES / scanSeconds).toFixed(0)} movies/s; read store load alone (createIndex, apply, swapAlias): ${REBUILD_MOVIES} in ${loadSeconds.toFixed(1)} s = ${(REBUILD_MOVIES / loadSeconds).toFixed(0)} movies/s`,
    );
    const rebuild = await rebuildReadModel(rebuildDeps, undefined, REBUILD_BATCH);
    log(
      `  rebuildReadModel, batches of ${REBUILD_BATCH}: ${rebuild.loaded} in ${rebuild.seconds.toFixed(1)} s = ${(rebuild.loaded / rebuild.seconds).toFixed(0)} movies/s`,
    );
    const rebuild500 = await rebuildReadModel(rebuildDeps);
    log(
      `  rebuildReadModel, default batches (500): ${rebuild500.loaded} in ${rebuild500.seconds.toFixed(1)} s = ${(rebuild500.loaded / rebuild500.seconds).toFixed(0)} movies/s`,
    );
    // Baseline: the old load (one bulk of 500 at a time, live settings: 250 ms refresh, auto replicas).
    const oldIndex = `${alias}-baseline`;
    await es.indices.create({
      index: oldIndex,
      settings: { number_of_shards: 1, auto_expand_replicas: '0-1', refresh_interval: '250ms' },
      mappings: MOVIE_MAPPINGS,
    });
    const t0 = performance.now();
    for await (const batch of rebuildEvents.scanLatest({ batchSize: 500 })) {
      await es.bulk({
        operations: batch.flatMap((e): object[] => {
          const movie = toRepresentation(e.state);
          const action = {
            index: { _index: oldIndex, _id: movie.id, version: movie.version, version_type: 'external' as const },
          };
          return e.type === 'MovieDeleted'
            ? [action, { id: movie.id, version: movie.version, deleted: true, deletedAt: e.metadata.occurredAt }]
            : [
                action,
                {
                  ...movie,
                  deleted: false,
                  titleSort: titleSortKey(movie.title),
                  ...(movie.director ? { directorLower: directorKey(movie.director) } : {}),
                },
              ];
        }),
      });
    }
    await es.indices.refresh({ index: oldIndex });
    const baselineSeconds = (performance.now() - t0) / 1000;
    log(
      `  baseline (sequential bulks of 500, live settings): ${REBUILD_MOVIES} in ${baselineSeconds.toFixed(1)} s = ${(REBUILD_MOVIES / baselineSeconds).toFixed(0)} movies/s`,
    );
    results.rebuild = {
      movies: REBUILD_MOVIES,
      catalog: 'syntheticMovies(count, 15)',
      events: rebuildEventCount,
      scanOnly: { seconds: scanSeconds, moviesPerSecond: REBUILD_MOVIES / scanSeconds },
      loadOnly: { seconds: loadSeconds, moviesPerSecond: REBUILD_MOVIES / loadSeconds },
      batched: { batch: REBUILD_BATCH, seconds: rebuild.seconds, moviesPerSecond: rebuild.loaded / rebuild.seconds },
      defaultBatch: {
        batch: 500,
        seconds: rebuild500.seconds,
        moviesPerSecond: rebuild500.loaded / rebuild500.seconds,
      },
      baseline: { seconds: baselineSeconds, moviesPerSecond: REBUILD_MOVIES / baselineSeconds },
    };
  } finally {
    await cache.close();
    raw.disconnect();
    await readStore.close();
    await es.close();
    await redis.stop();
    await deleteIndicesWithPrefix(esUrl, alias).catch(() => undefined);
  }
  const outDir = join(ROOT, 'bench', 'results');
  mkdirSync(outDir, { recursive: true });
  writeFileSync(
    join(outDir, 'read-side.json'),
    `${JSON.stringify({ machine: { ...machine, loadAverageAfter: os.loadavg() }, results }, null, 2)}\n`,
  );
  log('wrote bench/results/read-side.json');
}

main()
  .then(() => process.exit(0))
  .catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });

/**
 * `npm run bench`: the local stack's figures, each next to a baseline measured in the same run.
 * See bench/README.md for what each figure means and how it is measured. Writes bench/results/latest.json.
 *
 * Settings (environment): ELASTICSEARCH_URL (real Elasticsearch; else the embedded store), REDIS_URL (else a
 * private redis-server), BENCH_DURATION (seconds per HTTP case, default 5), BENCH_CONNECTIONS (10),
 * BENCH_SEED_LIMIT (records to seed, default all 3,201), BENCH_LAG_RATE (50 commands/s), BENCH_LAG_SECONDS (10),
 * BENCH_COLD_RUNS (2), BENCH_SCALE=1 (also the scale figures of bench/scale.ts, several minutes).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import { Client as ElasticsearchClient } from '@elastic/elasticsearch';
import { Redis } from 'ioredis';
import { functions } from '../functions/all';
import { cosmosClient } from '../shared/adapters/cosmos-event-store';
import { loadConfig } from '../shared/config';
import { startLocalHost, type LocalHost } from '../shared/local/host';
import { rebuildReadModel } from '../shared/operations/rebuild';
import { searchRequest, suggestRequest } from '../shared/read-model/elasticsearch';
import type { SearchQuery } from '../shared/read-model/port';
import { entryVersion, normalizeQuery, normalizeSuggestQuery } from '../shared/read-model/search-semantics';
import type { Logger } from '../shared/ports';
import { loadVegaMovies, seedCatalog, skippedCount } from '../scripts/seed';
import { deleteIndicesWithPrefix } from '../test/support/elasticsearch';
import { startTestRedis, type TestRedis } from '../test/support/redis';
import { ROOT, coldStart, packageFacts } from './coldstart';
import { runLoad, type LoadResult, type LoadSpec, type PlainRequest } from './load';
import { scaleBench } from './scale';
import { num, sleep, summarize, timeLoop, type Latency } from './measure';

const FUNCTION_KEY = 'bench-function-key-0123456789';
const MASTER_KEY = 'bench-master-key-0123456789';
const DURATION = num('BENCH_DURATION', 5);
const CONNECTIONS = num('BENCH_CONNECTIONS', 10);
const LAG_RATE = num('BENCH_LAG_RATE', 50);
const LAG_SECONDS = num('BENCH_LAG_SECONDS', 10);
const COLD_RUNS = num('BENCH_COLD_RUNS', 2);

interface Figure {
  readonly group: string;
  readonly figure: string;
  readonly value: number;
  readonly unit: 'ms' | 'req/s' | 'ops/s' | 'movies/s' | 'records/s' | 'bytes' | '%';
  readonly baseline?: number;
  readonly baselineName?: string;
  readonly note?: string;
}

const figures: Figure[] = [];
const raw: Record<string, unknown> = {};
const log = (message: string) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}`);
const quiet: Logger = { log: () => undefined, warn: () => undefined, error: (...args) => console.error(...args) };

function machineFacts() {
  const cpus = os.cpus();
  return {
    date: new Date().toISOString(),
    node: process.version,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? 'unknown',
    memoryBytes: os.totalmem(),
    freeMemoryBytes: os.freemem(),
    loadAverage: os.loadavg(),
  };
}

/** A bare node:http server answering a fixed JSON body: what HTTP on this machine costs with no work. */
async function startBaselineServer(body: string): Promise<{ url: string; server: Server }> {
  const server = createServer({ keepAlive: true }, (_req, res) => {
    res.writeHead(200, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(body),
    });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

function httpFigures(group: string, name: string, r: LoadResult, base: LoadResult, note?: string): void {
  raw[name] = r;
  figures.push(
    {
      group,
      figure: `${name} p50`,
      value: r.p50,
      unit: 'ms',
      baseline: base.p50,
      baselineName: 'bare node:http p50',
      note,
    },
    { group, figure: `${name} p99`, value: r.p99, unit: 'ms', baseline: base.p99, baselineName: 'bare node:http p99' },
    {
      group,
      figure: `${name} throughput`,
      value: r.rps,
      unit: 'req/s',
      baseline: base.rps,
      baselineName: 'bare node:http req/s',
    },
  );
}

function describeLoad(name: string, r: LoadResult): void {
  const statuses = Object.entries(r.statuses)
    .map(([s, n]) => `${s}:${n}`)
    .join(' ');
  const cache = Object.entries(r.cache)
    .map(([s, n]) => `${s}:${n}`)
    .join(' ');
  log(
    `${name}: ${r.requests} requests in ${r.seconds.toFixed(1)} s, ${r.rps.toFixed(0)} req/s, p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms` +
      `${statuses ? ` [${statuses}]` : ''}${cache ? ` X-Cache ${cache}` : ''}${r.errors ? ` errors ${r.errors}` : ''}${r.wrapped ? ` (wrapped ${r.wrapped})` : ''}`,
  );
}

async function load(
  name: string,
  spec: Omit<LoadSpec, 'connections'> & { connections?: number },
  expectStatus: number,
): Promise<LoadResult> {
  const r = await runLoad({ connections: CONNECTIONS, ...spec });
  describeLoad(name, r);
  const bad = r.requests - (r.statuses[expectStatus] ?? 0);
  if (bad > 0) log(`  warning: ${bad} of ${r.requests} answers were not ${expectStatus}`);
  return r;
}

function sdkFigure(
  group: string,
  name: string,
  ours: Latency,
  baseline: Latency | undefined,
  baselineName: string,
  note?: string,
): void {
  raw[name] = { ours, baseline };
  figures.push({
    group,
    figure: `${name} p50`,
    value: ours.p50,
    unit: 'ms',
    baseline: baseline?.p50,
    baselineName,
    note,
  });
  figures.push({
    group,
    figure: `${name} p99`,
    value: ours.p99,
    unit: 'ms',
    baseline: baseline?.p99,
    baselineName: baselineName.replace('p50', 'p99'),
  });
}

/** Sustained commands at `rate`/s for `seconds`; lag = 201 received -> readStore.get shows that version. */
async function projectionLag(
  host: LocalHost,
  rate: number,
  seconds: number,
): Promise<{ lag: Latency; fromEvent: Latency; achievedRate: number; commandLatency: Latency; failures: number }> {
  const total = Math.round(rate * seconds);
  const lags: number[] = [];
  const fromEvent: number[] = [];
  const commandMs: number[] = [];
  const sent: number[] = [];
  let failures = 0;
  const started = performance.now();
  const one = async (i: number) => {
    const due = started + (i * 1000) / rate;
    await sleep(Math.max(0, due - performance.now()));
    const t = performance.now();
    sent.push(t);
    const res = await fetch(`${host.url}/api/movies`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-functions-key': FUNCTION_KEY },
      body: JSON.stringify({ title: `Lag probe ${i}`, genres: ['Drama'] }),
    });
    const body = (await res.json()) as { id: string; version: number; updatedAt: string };
    const answered = performance.now();
    if (res.status !== 201) {
      failures++;
      return;
    }
    commandMs.push(answered - t);
    for (;;) {
      const entry = await host.deps.readStore.get(body.id);
      const version = entry ? entryVersion(entry) : 0;
      if (version >= body.version) break;
      if (performance.now() - answered > 30_000) {
        failures++;
        return;
      }
      await sleep(2);
    }
    lags.push(performance.now() - answered);
    // The event's time is the handler's clock when it decided (same machine, same clock): write -> visible.
    fromEvent.push(Date.now() - Date.parse(body.updatedAt));
  };
  await Promise.all(Array.from({ length: total }, (_, i) => one(i)));
  const span = (Math.max(...sent) - Math.min(...sent)) / 1000;
  return {
    lag: summarize(lags),
    fromEvent: summarize(fromEvent),
    achievedRate: span > 0 ? (sent.length - 1) / span : 0,
    commandLatency: summarize(commandMs),
    failures,
  };
}

function fmt(value: number | undefined, unit?: string): string {
  if (value === undefined || Number.isNaN(value)) return '-';
  const a = Math.abs(value);
  const n = a >= 100 ? value.toFixed(0) : a >= 10 ? value.toFixed(1) : a >= 1 ? value.toFixed(2) : value.toFixed(3);
  if (unit === 'bytes') return `${value} B (${(value / 1024 / 1024).toFixed(2)} MiB)`;
  return unit ? `${n} ${unit}` : n;
}

function ratio(r: number): string {
  return `${r >= 10 ? r.toFixed(0) : r >= 0.1 ? r.toFixed(2) : r.toFixed(4)}x`;
}

function printTable(): void {
  const rows = figures.map((f) => [
    f.figure,
    fmt(f.value, f.unit),
    f.baseline === undefined ? '-' : `${fmt(f.baseline, f.unit)} (${f.baselineName ?? ''})`,
    f.baseline === undefined || f.baseline === 0 ? '-' : ratio(f.value / f.baseline),
  ]);
  const header = ['figure', 'value', 'baseline', 'ratio'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  console.log(`\n${line(header)}\n|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  let group = '';
  for (const [i, r] of rows.entries()) {
    if (figures[i]!.group !== group && group !== '') console.log(line(widths.map(() => '')));
    group = figures[i]!.group;
    console.log(line(r));
  }
  console.log('ratio = value / baseline (latency: how many times slower; throughput: the fraction of the baseline)');
  for (const f of figures.filter((x) => x.note)) console.log(`  ${f.figure}: ${f.note}`);
  console.log('');
}

async function main(): Promise<void> {
  const benchStarted = performance.now();
  const facts = machineFacts();
  log(
    `${facts.cpus} x ${facts.cpuModel}, ${(facts.memoryBytes / 2 ** 30).toFixed(1)} GiB, node ${facts.node}, load average ${facts.loadAverage.map((l) => l.toFixed(1)).join(' ')}`,
  );

  const esUrl = process.env.ELASTICSEARCH_URL;
  const alias = `bench-${Date.now().toString(36)}`;
  let redis: TestRedis | undefined;
  const redisUrl = process.env.REDIS_URL ?? (redis = await startTestRedis()).url;
  const deadLetterDir = mkdtempSync(join(os.tmpdir(), 'bench-deadletter-'));
  let baseline: { url: string; server: Server } | undefined;
  let host: LocalHost | undefined;
  const closers: Array<() => Promise<unknown>> = [];
  const services: Record<string, string> = {};
  try {
    const config = loadConfig({
      PORT: '0',
      FUNCTION_KEY,
      MASTER_KEY,
      LOCAL_SEED: 'off',
      REDIS_URL: redisUrl,
      DEAD_LETTER_DIR: deadLetterDir,
      ...(esUrl ? { ELASTICSEARCH_URL: esUrl, ELASTICSEARCH_INDEX: alias } : {}),
    });
    host = await startLocalHost({ config, functions, logger: quiet, timers: false });
    for (const s of host.services) services[s.port] = `${s.kind} (${s.target})`;
    log(
      `read store: ${esUrl ? `Elasticsearch at ${new URL(esUrl).host} (alias ${alias})` : 'embedded full-text store (set ELASTICSEARCH_URL for a real Elasticsearch)'}`,
    );
    log(
      `cache: Redis ${redis ? `(a private redis-server on port ${redis.port})` : '(REDIS_URL)'}; write store: embedded Cosmos DB server`,
    );

    // Seed through the public API, as npm run seed does.
    const records = loadVegaMovies().slice(0, num('BENCH_SEED_LIMIT', 3201));
    log(`seeding ${records.length} movies through POST /api/movies...`);
    const seed = await seedCatalog({ url: host.url, key: FUNCTION_KEY, records, concurrency: 16 });
    await host.topic.idle();
    log(
      `seeded: ${seed.created} created, ${seed.replayed} replayed, ${skippedCount(seed)} skipped, ${seed.failed} failed in ${seed.seconds.toFixed(1)} s`,
    );
    raw.seed = { ...seed, ids: undefined, failures: seed.failures.slice(0, 10) };
    figures.push({
      group: 'seed',
      figure: 'seed through the API (16 in flight)',
      value: seed.rate,
      unit: 'records/s',
      note: `${seed.created + seed.replayed} movies`,
    });
    const ids = [...seed.ids];
    if (ids.length < 100) throw new Error(`only ${ids.length} movies seeded`);

    const sample = await fetch(`${host.url}/api/movies/${ids[0]}`);
    baseline = await startBaselineServer(await sample.text());
    const b = baseline;
    closers.push(() => new Promise((resolve) => b.server.close(resolve)));

    // --- HTTP ---
    const base = await load(
      'bare node:http',
      { url: baseline.url, duration: DURATION, mode: { kind: 'fixed', request: { method: 'GET', path: '/' } } },
      200,
    );
    raw.baseline = base;
    figures.push(
      { group: 'baseline', figure: 'bare node:http p50', value: base.p50, unit: 'ms' },
      { group: 'baseline', figure: 'bare node:http p99', value: base.p99, unit: 'ms' },
      { group: 'baseline', figure: 'bare node:http throughput', value: base.rps, unit: 'req/s' },
    );

    const create = await load(
      'POST /api/movies',
      { url: host.url, duration: DURATION, mode: { kind: 'create', key: FUNCTION_KEY, label: 'Bench create' } },
      201,
    );
    httpFigures('commands', 'POST /api/movies (create)', create, base);
    await host.topic.idle();
    const patchIds = ids.slice(0, Math.floor(ids.length / 2));
    const patch = await load(
      'PATCH /api/movies/{id}',
      { url: host.url, duration: DURATION, mode: { kind: 'patch', key: FUNCTION_KEY, ids: patchIds } },
      200,
    );
    httpFigures(
      'commands',
      'PATCH /api/movies/{id} (If-Match, distinct movies)',
      patch,
      base,
      patch.wrapped ? 'some movies patched twice' : undefined,
    );
    await host.topic.idle();

    const hitId = ids[ids.length - 1]!;
    await fetch(`${host.url}/api/movies/${hitId}`).then((r) => r.arrayBuffer());
    const getHit = await load(
      'GET movie, cache hit',
      {
        url: host.url,
        duration: DURATION,
        mode: { kind: 'fixed', request: { method: 'GET', path: `/api/movies/${hitId}` } },
      },
      200,
    );
    httpFigures('queries', 'GET /api/movies/{id} cache hit', getHit, base);
    // Every movie never read before is a miss: each id once, so no request can hit.
    const missIds = ids.slice(patchIds.length, ids.length - 1).reverse();
    const getMissRequests: PlainRequest[] = missIds.map((id) => ({ method: 'GET', path: `/api/movies/${id}` }));
    const getMiss = await load(
      'GET movie, cache miss',
      { url: host.url, amount: getMissRequests.length, mode: { kind: 'list', requests: getMissRequests } },
      200,
    );
    httpFigures(
      'queries',
      'GET /api/movies/{id} cache miss',
      getMiss,
      base,
      `each of ${getMissRequests.length} ids once; X-Cache MISS ${getMiss.cache.MISS ?? 0}`,
    );

    const searchPath = '/api/movies?genre=Drama&sort=-rating&limit=20';
    await fetch(`${host.url}${searchPath}`).then((r) => r.arrayBuffer());
    const searchHit = await load(
      'search, cache hit',
      { url: host.url, duration: DURATION, mode: { kind: 'fixed', request: { method: 'GET', path: searchPath } } },
      200,
    );
    httpFigures('queries', 'GET /api/movies?genre&sort search hit', searchHit, base);
    // Same search, same result, but a different cache key each time (minRating below every rating).
    const searchMissRequests: PlainRequest[] = Array.from({ length: 2000 }, (_, i) => ({
      method: 'GET',
      path: `${searchPath}&minRating=${((i + 1) / 10_000).toFixed(4)}`,
    }));
    const searchMiss = await load(
      'search, cache miss',
      { url: host.url, amount: searchMissRequests.length, mode: { kind: 'list', requests: searchMissRequests } },
      200,
    );
    httpFigures(
      'queries',
      'GET /api/movies?genre&sort search miss',
      searchMiss,
      base,
      `2000 distinct keys; X-Cache MISS ${searchMiss.cache.MISS ?? 0}`,
    );

    // --- suggest (issue 14): a cached autocomplete, then one distinct partial input per request ---
    const suggestPath = '/api/suggest?q=termin';
    await fetch(`${host.url}${suggestPath}`).then((r) => r.arrayBuffer());
    const suggestHit = await load(
      'suggest, cache hit',
      { url: host.url, duration: DURATION, mode: { kind: 'fixed', request: { method: 'GET', path: suggestPath } } },
      200,
    );
    httpFigures('queries', 'GET /api/suggest?q= cache hit', suggestHit, base);
    const partials = [
      ...new Set(
        records
          .map((r) =>
            String(r.Title ?? '')
              .toLowerCase()
              .replace(/[^a-z0-9 ]/g, ' ')
              .trim()
              .slice(0, 7)
              .trim(),
          )
          .filter((t) => t.length >= 3),
      ),
    ];
    const suggestMissRequests: PlainRequest[] = partials.map((q) => ({
      method: 'GET',
      path: `/api/suggest?q=${encodeURIComponent(q)}`,
    }));
    const suggestMiss = await load(
      'suggest, cache miss',
      { url: host.url, amount: suggestMissRequests.length, mode: { kind: 'list', requests: suggestMissRequests } },
      200,
    );
    httpFigures(
      'queries',
      'GET /api/suggest?q= cache miss',
      suggestMiss,
      base,
      `${suggestMissRequests.length} distinct title beginnings; X-Cache MISS ${suggestMiss.cache.MISS ?? 0}`,
    );

    // --- raw SDK baselines, in process, one operation at a time ---
    log('raw SDK baselines...');
    const pick = (i: number) => missIds[i % missIds.length]!;
    const cosmosEndpoint = host.services.find((s) => s.port === 'write store')!.target.split(' ')[0]!;
    const cosmos = cosmosClient(cosmosEndpoint, 'bench');
    closers.push(async () => cosmos.dispose());
    const container = cosmos.database(config.cosmos.database).container(config.cosmos.container);
    const cosmosRaw = await timeLoop((i) => container.item(`${pick(i)}:1`, pick(i)).read());
    const ourLatest = await timeLoop((i) => host!.deps.eventStore.latest(pick(i)));
    sdkFigure(
      'SDK',
      'eventStore.latest()',
      ourLatest,
      cosmosRaw,
      'Cosmos point read p50 (@azure/cosmos)',
      'latest() is a TOP 1 ORDER BY query',
    );
    log(`  cosmos point read p50 ${cosmosRaw.p50.toFixed(2)} ms; eventStore.latest p50 ${ourLatest.p50.toFixed(2)} ms`);

    const ourGet = await timeLoop((i) => host!.deps.readStore.get(pick(i)));
    if (esUrl) {
      const es = new ElasticsearchClient({ node: esUrl });
      closers.push(() => es.close());
      const esRaw = await timeLoop((i) => es.get({ index: alias, id: pick(i) }));
      sdkFigure('SDK', 'readStore.get()', ourGet, esRaw, 'Elasticsearch get p50 (@elastic/elasticsearch)');
      log(`  elasticsearch get p50 ${esRaw.p50.toFixed(2)} ms; readStore.get p50 ${ourGet.p50.toFixed(2)} ms`);
    } else {
      sdkFigure('SDK', 'readStore.get() (embedded)', ourGet, undefined, 'no Elasticsearch to compare (embedded store)');
    }

    // Search and suggest in the store (no cache) next to the raw client sending the same request body.
    const textQueries = partials.slice(0, 200);
    const searchOf = (i: number): SearchQuery => ({
      q: textQueries[i % textQueries.length]!,
      sort: 'relevance',
      limit: 20,
    });
    const ourSearch = await timeLoop((i) => host!.deps.readStore.search(searchOf(i)));
    const ourSuggest = await timeLoop((i) =>
      host!.deps.readStore.suggest({ q: textQueries[i % textQueries.length]!, limit: 10 }),
    );
    if (esUrl) {
      const es = new ElasticsearchClient({ node: esUrl });
      closers.push(() => es.close());
      const esSearch = await timeLoop((i) => es.search(searchRequest(alias, normalizeQuery(searchOf(i)), 'all')));
      const esSuggest = await timeLoop((i) =>
        es.search(
          suggestRequest(
            alias,
            normalizeSuggestQuery({ q: textQueries[i % textQueries.length]!, limit: 10 }).terms,
            10,
          ),
        ),
      );
      sdkFigure(
        'SDK',
        'readStore.search() (text, facets)',
        ourSearch,
        esSearch,
        'raw client, same search body p50',
        'a second request only when all words find nothing',
      );
      sdkFigure('SDK', 'readStore.suggest()', ourSuggest, esSuggest, 'raw client, same suggest body p50');
      log(
        `  search p50 ${ourSearch.p50.toFixed(2)} ms (raw ${esSearch.p50.toFixed(2)}); suggest p50 ${ourSuggest.p50.toFixed(2)} ms (raw ${esSuggest.p50.toFixed(2)})`,
      );
    } else {
      sdkFigure(
        'SDK',
        'readStore.search() (embedded, text, facets)',
        ourSearch,
        undefined,
        'no Elasticsearch to compare (embedded store)',
      );
      sdkFigure(
        'SDK',
        'readStore.suggest() (embedded)',
        ourSuggest,
        undefined,
        'no Elasticsearch to compare (embedded store)',
      );
    }

    const redisClient = new Redis(redisUrl, { lazyConnect: false });
    closers.push(async () => redisClient.disconnect());
    await redisClient.set('bench:probe', await fetch(`${host.url}/api/movies/${ids[1]}`).then((r) => r.text()));
    const redisRaw = await timeLoop(() => redisClient.get('bench:probe'));
    const ourCache = await timeLoop(() => host!.deps.cache.get('bench:probe'));
    sdkFigure('SDK', 'cache.get()', ourCache, redisRaw, 'Redis GET p50 (ioredis)');
    log(`  redis GET p50 ${redisRaw.p50.toFixed(3)} ms; cache.get p50 ${ourCache.p50.toFixed(3)} ms`);

    // --- projection lag ---
    // Sustained means below capacity: beyond it the figure would be queueing, not projection.
    const lagRate = Math.max(1, Math.min(LAG_RATE, Math.floor(create.rps / 2)));
    log(
      `projection lag: ${lagRate} commands/s for ${LAG_SECONDS} s${lagRate < LAG_RATE ? ` (${LAG_RATE}/s asked; capped at half the measured create throughput)` : ''}...`,
    );
    const lag = await projectionLag(host, lagRate, LAG_SECONDS);
    raw.projectionLag = lag;
    figures.push(
      {
        group: 'projection',
        figure: `projection lag p50 (${lagRate} cmd/s)`,
        value: lag.lag.p50,
        unit: 'ms',
        note: `201 -> visible; achieved ${lag.achievedRate.toFixed(1)} cmd/s, ${lag.failures} failures`,
      },
      { group: 'projection', figure: `projection lag p99 (${lagRate} cmd/s)`, value: lag.lag.p99, unit: 'ms' },
      {
        group: 'projection',
        figure: 'event time -> visible p50 (incl. the command)',
        value: lag.fromEvent.p50,
        unit: 'ms',
        note: '1 ms clock resolution',
      },
      {
        group: 'projection',
        figure: 'event time -> visible p99 (incl. the command)',
        value: lag.fromEvent.p99,
        unit: 'ms',
      },
    );
    log(
      `  lag p50 ${lag.lag.p50.toFixed(1)} ms, p99 ${lag.lag.p99.toFixed(1)} ms; from event time p50 ${lag.fromEvent.p50} ms, p99 ${lag.fromEvent.p99} ms (command p50 ${lag.commandLatency.p50.toFixed(1)} ms, ${lag.achievedRate.toFixed(1)} cmd/s, ${lag.failures} failures)`,
    );
    await host.topic.idle();

    // --- rebuild ---
    log('rebuild of the read model...');
    const rebuild = await rebuildReadModel(host.deps);
    raw.rebuild = rebuild;
    figures.push({
      group: 'rebuild',
      figure: 'rebuild rate (rebuildReadModel)',
      value: rebuild.loaded / rebuild.seconds,
      unit: 'movies/s',
      note: `${rebuild.loaded} movies in ${rebuild.seconds.toFixed(1)} s`,
    });
    log(`  ${rebuild.loaded} movies in ${rebuild.seconds.toFixed(2)} s`);
  } finally {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    await host?.stop().catch((error: Error) => console.error(`host stop: ${error.message}`));
    await redis?.stop();
    if (esUrl) await deleteIndicesWithPrefix(esUrl, alias).catch(() => undefined);
    rmSync(deadLetterDir, { recursive: true, force: true });
  }

  // --- cold start and package (host stopped: nothing else running in this process) ---
  log(`cold start: npx tsx scripts/start.ts until GET /api/health is 200 (${COLD_RUNS} runs each)...`);
  const cold = await coldStart(COLD_RUNS);
  raw.coldStart = cold;
  figures.push(
    {
      group: 'cold',
      figure: 'cold start to first 200 (no telemetry)',
      value: cold.withoutTelemetryMs,
      unit: 'ms',
      note: 'includes npx + tsx',
    },
    {
      group: 'cold',
      figure: 'cold start to first 200 (App Insights on)',
      value: cold.withTelemetryMs,
      unit: 'ms',
      baseline: cold.withoutTelemetryMs,
      baselineName: 'no telemetry',
    },
  );
  log('package: npx tsx scripts/package.ts, then require() the bundle in fresh node processes...');
  const pkg = await packageFacts(3);
  raw.package = pkg;
  figures.push(
    {
      group: 'package',
      figure: 'import of the packaged entry (dist/functions/index.js)',
      value: pkg.requireMs,
      unit: 'ms',
      baseline: pkg.nodeBaselineMs,
      baselineName: "node -e ''",
      note: `entry ${pkg.entryBytes} B; SDKs load on first use`,
    },
    {
      group: 'package',
      figure: 'require + start App Insights',
      value: pkg.requireWithTelemetryMs,
      unit: 'ms',
      baseline: pkg.requireMs,
      baselineName: 'require alone',
    },
    {
      group: 'package',
      figure: 'deployable package dist/functionapp.zip',
      value: pkg.zipBytes,
      unit: 'bytes',
      note: `bundle ${pkg.bundleBytes} B unzipped, entry ${pkg.entryBytes} B`,
    },
  );

  // --- scale (opt-in, several minutes): peak RSS at two catalog sizes, stores in another process ---
  if (process.env.BENCH_SCALE === '1') {
    log('scale: peak RSS of rebuild + verify + dead-letter listing at two synthetic catalog sizes (bench/scale.ts)...');
    const scale = await scaleBench((process.env.BENCH_SCALE_SIZES ?? '10000,100000').split(',').map(Number));
    raw.scale = scale;
    const [small, large] = [scale.rows[0]!, scale.rows.at(-1)!];
    figures.push({
      group: 'scale',
      figure: `peak RSS, rebuild+verify+listing, ${large.movies} movies`,
      value: large.peakRss,
      unit: 'bytes',
      baseline: small.peakRss,
      baselineName: `${small.movies} movies`,
      note: 'target: ratio <= 1.10',
    });
  }

  printTable();
  const settings = {
    durationSeconds: DURATION,
    connections: CONNECTIONS,
    lagRateAsked: LAG_RATE,
    lagSeconds: LAG_SECONDS,
    coldRuns: COLD_RUNS,
    readStore: esUrl ? 'elasticsearch' : 'embedded',
    services,
  };
  const outDir = join(ROOT, 'bench', 'results');
  mkdirSync(outDir, { recursive: true });
  const result = {
    machine: { ...facts, loadAverageAfter: os.loadavg() },
    settings,
    seconds: (performance.now() - benchStarted) / 1000,
    figures,
    raw,
  };
  writeFileSync(join(outDir, 'latest.json'), `${JSON.stringify(result, null, 2)}\n`);
  log(`wrote bench/results/latest.json (${result.seconds.toFixed(0)} s in all)`);
}

main()
  .then(() => process.exit(0))
  .catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });

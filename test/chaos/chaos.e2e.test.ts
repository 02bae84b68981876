/**
 * Chaos under load (issue 8). Concurrent clients drive thousands of commands over HTTP through the local
 * host — many on the same movies, so 412s happen and are retried after re-reading the ETag — while the
 * suite injects Event Grid publish failures, projector failures, duplicated and shuffled deliveries,
 * stops and restarts its own Elasticsearch and Redis, and restarts the host itself. Then everything is
 * quiesced and the system must have converged: the write store and the read model agree on every movie,
 * version and tombstone; no response was a 5xx other than a query's 503 while Elasticsearch was down;
 * the dead-letter folder is empty after a redrive.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { functions } from '../../functions/all';
import { loadConfig } from '../../shared/config';
import { startEmbeddedCosmos, type EmbeddedCosmos } from '../../shared/local/cosmos';
import { startLocalHost, type LocalHost } from '../../shared/local/host';
import type { TopicChaos, TopicStats } from '../../shared/local/topic';
import { redrive } from '../../shared/operations/redrive';
import { verifyConvergence, type Difference } from '../../shared/operations/verify';
import { createElasticsearchReadStore } from '../../shared/read-model/elasticsearch';
import {
  flakyReadStore,
  ownElasticsearchUnavailableReason,
  recordMetrics,
  seededRandom,
  setRefreshInterval,
  startOwnElasticsearch,
  type FlakyReadStore,
  type OwnElasticsearch,
  type RecordedMetrics,
} from '../support/chaos';
import { uniqueIndexPrefix } from '../support/elasticsearch';
import { FUNCTION_KEY, MASTER_KEY, TOPIC_KEY, captureLogger, readResponse, type CapturedLogger } from '../support/host';
import { freePort, redisUnavailableReason, startTestRedis, type TestRedis } from '../support/redis';
import { unavailable } from '../support/services';

// ---- knobs ----------------------------------------------------------------------------------------------

const CLIENTS = 16;
/** Commands per second over all clients: the run spans every outage with load on. */
const RATE = 50;
const MIN_COMMANDS = 2_000;
/** Re-reads of the ETag after a 412 before a client gives the command up. */
const MAX_412_RETRIES = 6;
/** Live movies the clients keep in play: few enough that they collide. */
const HOT_MOVIES = 40;
/** Movies written just before the host restart and never again (their last delivery is in flight). */
const COLD_MOVIES = 24;
const CONVERGE_TIMEOUT_MS = 90_000;
/** A request unanswered for this long has hung (counted, then sent again). */
const REQUEST_TIMEOUT_MS = 10_000;
/** About 2.5 minutes on two idle cores; generous for a loaded machine. */
const TEST_TIMEOUT_MS = 600_000;
const SEED = Number(process.env.CHAOS_SEED ?? Date.now() % 1_000_000);
const REPORT_FILE = path.resolve(__dirname, '..', '..', '.local', 'chaos-report.json');

const skip =
  unavailable('Elasticsearch', ownElasticsearchUnavailableReason()) || unavailable('Redis', redisUnavailableReason());

// ---- bookkeeping ----------------------------------------------------------------------------------------

type CommandType = 'create (POST)' | 'create (PUT)' | 'replace' | 'patch' | 'delete';

interface FiveXX {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly phase: string;
  readonly startedAt: number;
  readonly endedAt: number;
  readonly detail: string;
}

const stats = {
  seed: SEED,
  commands: {} as Record<string, Record<string, number>>,
  commandsIssued: 0,
  queries: {} as Record<string, Record<string, number>>,
  retries412: 0,
  gaveUpAfter412: 0,
  connectionErrors: 0,
  timeouts: 0,
  timeoutsBy: {} as Record<string, Record<string, number>>,
  fiveXX: [] as FiveXX[],
  phases: [] as Array<{ name: string; seconds: number; commands: number }>,
  topic: { published: 0, rejected: 0, deliveries: 0, retries: 0, delivered: 0, deadLettered: 0, duplicated: 0 },
  hostRestarts: 0,
  downtime: { elasticsearchSeconds: 0, redisSeconds: 0, hostSeconds: 0 },
};

function count(table: Record<string, Record<string, number>>, row: string, column: string): void {
  const r = (table[row] ??= {});
  r[column] = (r[column] ?? 0) + 1;
}

/** Windows in which a store was down: a query may answer 503 then (and only then). */
const esDownWindows: Array<{ from: number; to: number }> = [];
const ES_RECOVERY_GRACE_MS = 5_000;
let phase = 'setup';

function within503Allowance(startedAt: number, endedAt: number): boolean {
  return esDownWindows.some((w) => startedAt <= w.to + ES_RECOVERY_GRACE_MS && endedAt >= w.from);
}

const latency = { n: 0, total: 0 };
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

// ---- the system under test ------------------------------------------------------------------------------

interface System {
  cosmos: EmbeddedCosmos;
  redis: TestRedis;
  es: OwnElasticsearch;
  readStore: FlakyReadStore;
  alias: string;
  deadLetterDir: string;
  journalDir: string;
  logger: CapturedLogger;
  host: LocalHost;
  port: number;
  metrics: RecordedMetrics;
  chaos: TopicChaos;
}

let sys: System | undefined;

async function bootHost(s: Omit<System, 'host' | 'port'>, port: number): Promise<LocalHost> {
  const config = loadConfig({
    PORT: String(port),
    FUNCTION_KEY,
    MASTER_KEY,
    EVENTGRID_TOPIC_KEY: TOPIC_KEY,
    COSMOS_ENDPOINT: s.cosmos.endpoint,
    COSMOS_KEY: s.cosmos.key,
    REDIS_URL: s.redis.url,
    DEAD_LETTER_DIR: s.deadLetterDir,
    LOCAL_TOPIC_JOURNAL_DIR: s.journalDir,
    LOCAL_EVENTGRID_BACKOFF_MS: '50',
    LOCAL_SEED: 'off',
    RELAY_GRACE_SECONDS: '1',
    RELAY_SCHEDULE: '*/1 * * * * *',
  });
  const host = await startLocalHost({
    config,
    functions: functions,
    logger: s.logger,
    overrides: { readStore: s.readStore },
    timers: true,
  });
  host.topic.chaos = s.chaos;
  return host;
}

function addTopicStats(from: TopicStats): void {
  for (const key of Object.keys(stats.topic) as Array<keyof TopicStats>) stats.topic[key] += from[key];
}

// ---- HTTP -----------------------------------------------------------------------------------------------

interface Answer {
  readonly status: number;
  readonly headers: Headers;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly json: any;
}

interface RequestInit2 {
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
  readonly key?: string;
}

/**
 * One request. Connection errors (the host restarting) are counted and retried: the request is sent
 * again, which is why creates carry an Idempotency-Key or a client-chosen id. A 5xx is recorded.
 */
async function call(method: string, route: string, init: RequestInit2 = {}): Promise<Answer> {
  const headers: Record<string, string> = { 'x-functions-key': init.key ?? FUNCTION_KEY, ...init.headers };
  let body: string | undefined;
  if (init.body !== undefined) {
    body = JSON.stringify(init.body);
    headers['content-type'] ??= 'application/json';
  }
  for (let attempt = 0; ; attempt++) {
    const startedAt = Date.now();
    try {
      latency.n++;
      const res = await fetch(`${sys!.host.url}/api/${route}`, {
        method,
        headers,
        body,
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      const { text, json } = await readResponse(res);
      if (res.status >= 500) {
        stats.fiveXX.push({
          method,
          path: route,
          status: res.status,
          phase,
          startedAt,
          endedAt: Date.now(),
          detail: text.slice(0, 300),
        });
      }
      latency.total += Date.now() - startedAt;
      return { status: res.status, headers: res.headers, json };
    } catch (error) {
      if ((error as Error).name === 'TimeoutError') {
        stats.timeouts++;
        count(stats.timeoutsBy, phase, `${method} ${route.replace(/\/[^/?]+/, '/{id}').replace(/\?.*/, '')}`);
      } else stats.connectionErrors++;
      if (attempt >= 300)
        throw new Error(`${method} ${route}: no answer after ${attempt} attempts: ${(error as Error).message}`);
      await sleep(50);
    }
  }
}

// ---- the clients ----------------------------------------------------------------------------------------

interface Known {
  version: number;
  deleted: boolean;
}

const known = new Map<string, Known>();
const hot: string[] = [];
let stopClients = false;
let nextSlot = 0;

/** Global pacing: RATE commands per second over all clients. */
async function pace(): Promise<void> {
  const now = Date.now();
  const slot = Math.max(now, nextSlot);
  nextSlot = slot + 1000 / RATE;
  if (slot > now) await sleep(slot - now);
}

const GENRES = [
  'Drama',
  'Comedy',
  'Action',
  'Thriller',
  'Horror',
  'Romance',
  'Adventure',
  'Musical',
  'Western',
  'Documentary',
];
const WORDS = [
  'night',
  'river',
  'glass',
  'empire',
  'silent',
  'orange',
  'last',
  'summer',
  'iron',
  'paper',
  'ghost',
  'harbor',
];
const RATINGS = ['G', 'PG', 'PG-13', 'R', 'NC-17', 'Not Rated'];

function fieldsFor(random: () => number): Record<string, unknown> {
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)]!;
  const genres = [...new Set([pick(GENRES), pick(GENRES)])];
  const fields: Record<string, unknown> = {
    title: `${pick(WORDS)} ${pick(WORDS)} ${Math.floor(random() * 1000)}`,
    genres,
    director: `${pick(WORDS)} ${pick(WORDS)}`,
    releaseDate: `${1950 + Math.floor(random() * 70)}-0${1 + Math.floor(random() * 9)}-1${Math.floor(random() * 9)}`,
    imdbRating: Math.round(random() * 100) / 10,
  };
  if (random() < 0.5) fields.mpaaRating = pick(RATINGS);
  if (random() < 0.5) fields.description = `${pick(WORDS)} ${pick(WORDS)} ${pick(WORDS)}`;
  if (random() < 0.3) fields.runtimeMinutes = 80 + Math.floor(random() * 100);
  return fields;
}

function patchFor(random: () => number): Record<string, unknown> {
  const patch: Record<string, unknown> = {};
  const r = random();
  if (r < 0.4) patch.imdbRating = Math.round(random() * 100) / 10;
  else if (r < 0.6) patch.description = random() < 0.3 ? null : `patched ${Math.floor(random() * 1e6)}`;
  else if (r < 0.8) patch.mpaaRating = random() < 0.3 ? null : RATINGS[Math.floor(random() * RATINGS.length)];
  else patch.title = `retitled ${Math.floor(random() * 1e6)}`;
  if (random() < 0.3) patch.runtimeMinutes = 60 + Math.floor(random() * 120);
  return patch;
}

function versionOf(answer: Answer): number | undefined {
  const tag = answer.headers.get('etag');
  const m = tag ? /"(\d+)"/.exec(tag) : null;
  return m ? Number(m[1]) : undefined;
}

function record(type: CommandType, answer: Answer): void {
  stats.commandsIssued++;
  count(stats.commands, type, String(answer.status));
}

function forget(id: string): void {
  const k = known.get(id);
  if (k) k.deleted = true;
  const i = hot.indexOf(id);
  if (i >= 0) hot.splice(i, 1);
}

/**
 * Re-reads the current version after a 412: the read model with X-Min-Version (answered from the write
 * store when the read model is behind), or the write store's history when the read model answers 503.
 * Returns null once the movie is deleted.
 */
async function reread(id: string, after: number): Promise<number | null> {
  const get = await call('GET', `movies/${id}`, { headers: { 'X-Min-Version': String(after + 1) } });
  count(stats.queries, 'get (X-Min-Version)', String(get.status));
  if (get.status === 200) return versionOf(get) ?? null;
  if (get.status === 404) return null;
  const history = await call('GET', `movies/${id}/history?limit=1`);
  count(stats.queries, 'history', String(history.status));
  const newest = history.status === 200 ? history.json?.items?.[0] : undefined;
  if (!newest) return null;
  return newest.type === 'MovieDeleted' ? null : Number(newest.version);
}

/** A command on an existing movie, with If-Match, re-reading the ETag after each 412. */
async function change(type: 'replace' | 'patch' | 'delete', id: string, random: () => number): Promise<void> {
  const k = known.get(id);
  if (!k || k.deleted) return;
  let version = k.version;
  for (let attempt = 0; ; attempt++) {
    const headers = { 'If-Match': `"${version}"` };
    const answer =
      type === 'replace'
        ? await call('PUT', `movies/${id}`, { body: fieldsFor(random), headers })
        : type === 'patch'
          ? await call('PATCH', `movies/${id}`, {
              body: patchFor(random),
              headers: { ...headers, 'content-type': 'application/merge-patch+json' },
            })
          : await call('DELETE', `movies/${id}`, { headers });
    record(type, answer);
    if (answer.status === 200 || answer.status === 204) {
      k.version = Math.max(k.version, versionOf(answer) ?? version);
      if (type === 'delete') forget(id);
      return;
    }
    if (answer.status === 404) return forget(id);
    if (answer.status !== 412) return;
    if (attempt >= MAX_412_RETRIES) {
      stats.gaveUpAfter412++;
      return;
    }
    stats.retries412++;
    const current = await reread(id, version);
    if (current === null) return forget(id);
    version = current;
    k.version = Math.max(k.version, current);
  }
}

let createCounter = 0;

async function create(random: () => number, id?: string): Promise<string | undefined> {
  const fields = fieldsFor(random);
  if (id === undefined && random() < 0.5) {
    const key = `chaos-${SEED}-${++createCounter}`;
    const answer = await call('POST', 'movies', { body: fields, headers: { 'Idempotency-Key': key } });
    record('create (POST)', answer);
    if (answer.status !== 201) return undefined;
    id = String(answer.json.id);
  } else {
    id ??= `m${SEED}x${++createCounter}`;
    const answer = await call('PUT', `movies/${id}`, { body: fields, headers: { 'If-None-Match': '*' } });
    record('create (PUT)', answer);
    // A 412 here is the retry of our own create after a connection error: the id is ours alone.
    if (answer.status !== 201 && answer.status !== 412) return undefined;
  }
  known.set(id, { version: 1, deleted: false });
  return id;
}

async function query(random: () => number): Promise<void> {
  if (random() < 0.75 && known.size > 0) {
    const ids = [...known.keys()];
    const answer = await call('GET', `movies/${ids[Math.floor(random() * ids.length)]!}`);
    count(stats.queries, 'get', String(answer.status));
  } else {
    const answer = await call('GET', `movies?q=${WORDS[Math.floor(random() * WORDS.length)]!}&limit=10`);
    count(stats.queries, 'search', String(answer.status));
  }
}

async function client(n: number): Promise<void> {
  const random = seededRandom(SEED * 100 + n);
  while (!stopClients) {
    await pace();
    if (stopClients) break;
    const r = random();
    if (hot.length < HOT_MOVIES / 2 || (hot.length < HOT_MOVIES && r < 0.15) || r < 0.04) {
      const id = await create(random);
      if (id) hot.push(id);
    } else {
      const id = hot[Math.floor(random() * hot.length)]!;
      const op = random();
      await change(op < 0.4 ? 'replace' : op < 0.92 ? 'patch' : 'delete', id, random);
    }
    if (random() < 0.25) await query(random);
  }
}

/** Waits until `n` commands were sent; a stall fails the test with where it stalled. */
async function untilCommands(n: number, stallMs = 30_000): Promise<void> {
  let last = stats.commandsIssued;
  let lastProgress = Date.now();
  while (stats.commandsIssued < n) {
    await sleep(50);
    if (stats.commandsIssued !== last) {
      last = stats.commandsIssued;
      lastProgress = Date.now();
    } else if (Date.now() - lastProgress > stallMs) {
      throw new Error(`phase ${phase}: no command answered for ${stallMs} ms (${stats.commandsIssued} of ${n} sent)`);
    }
  }
}

const debug = (...args: unknown[]) => {
  if (process.env.CHAOS_DEBUG) console.log(`[chaos ${new Date().toISOString().slice(11, 23)}]`, ...args);
};

async function runPhase(name: string, body: () => Promise<void>): Promise<void> {
  phase = name;
  const started = Date.now();
  debug(`phase ${name} starts at ${stats.commandsIssued} commands`);
  const before = stats.commandsIssued;
  await body();
  stats.phases.push({ name, seconds: (Date.now() - started) / 1000, commands: stats.commandsIssued - before });
}

// ---- the report -----------------------------------------------------------------------------------------

interface Report {
  seed: number;
  runtimeSeconds: number;
  commands: Record<string, Record<string, number>>;
  commandsTotal: number;
  queries: Record<string, Record<string, number>>;
  retries412: number;
  gaveUpAfter412: number;
  connectionErrors: number;
  timeouts: number;
  timeoutsBy: Record<string, Record<string, number>>;
  fiveXX: { total: number; allowed503: number; unexpected: FiveXX[] };
  relayRepublished: number;
  topic: TopicStats;
  injectedProjectorFailures: number;
  deadLetters: { total: number; byReason: Record<string, number>; redriven: number; leftAfterRedrive: number };
  phases: Array<{ name: string; seconds: number; commands: number }>;
  downtime: { elasticsearchSeconds: number; redisSeconds: number; hostSeconds: number };
  movies: { total: number; tombstones: number; cold: number };
  convergence: { seconds: number; rounds: number; differences: Difference[] };
  serverCommandOutcomes: Record<string, number>;
  hostErrors: number;
}

function printReport(report: Report): void {
  const rows: Array<[string, string | number]> = [
    ['seed', report.seed],
    ['runtime (s)', report.runtimeSeconds.toFixed(1)],
    ['commands (HTTP requests)', report.commandsTotal],
  ];
  for (const [type, byStatus] of Object.entries(report.commands)) {
    rows.push([
      `  ${type}`,
      Object.entries(byStatus)
        .map(([s, n]) => `${s}:${n}`)
        .join('  '),
    ]);
  }
  for (const [type, byStatus] of Object.entries(report.queries)) {
    rows.push([
      `  query ${type}`,
      Object.entries(byStatus)
        .map(([s, n]) => `${s}:${n}`)
        .join('  '),
    ]);
  }
  rows.push(
    ['412 retries (ETag re-read)', report.retries412],
    ['gave up after 412s', report.gaveUpAfter412],
    ['connection errors (host restart)', report.connectionErrors],
    ['timeouts', report.timeouts],
    [
      '5xx total / allowed 503 / unexpected',
      `${report.fiveXX.total} / ${report.fiveXX.allowed503} / ${report.fiveXX.unexpected.length}`,
    ],
    ['publishes rejected by the topic', report.topic.rejected],
    ['re-published by the relay', report.relayRepublished],
    ['duplicated deliveries', report.topic.duplicated],
    [
      'deliveries / retried / delivered',
      `${report.topic.deliveries} / ${report.topic.retries} / ${report.topic.delivered}`,
    ],
    ['injected projector failures', report.injectedProjectorFailures],
    [
      'dead-lettered / redriven / left',
      `${report.deadLetters.total} / ${report.deadLetters.redriven} / ${report.deadLetters.leftAfterRedrive}`,
    ],
    [
      'downtime ES / Redis / host (s)',
      `${report.downtime.elasticsearchSeconds.toFixed(1)} / ${report.downtime.redisSeconds.toFixed(1)} / ${report.downtime.hostSeconds.toFixed(1)}`,
    ],
    ['movies / tombstones / cold', `${report.movies.total} / ${report.movies.tombstones} / ${report.movies.cold}`],
    ['time to converge (s)', report.convergence.seconds.toFixed(1)],
    ['differences after quiesce', report.convergence.differences.length],
  );
  for (const p of report.phases) rows.push([`phase ${p.name}`, `${p.seconds.toFixed(1)} s, ${p.commands} commands`]);
  const width = Math.max(...rows.map(([k]) => k.length));
  console.log(`\nchaos under load\n${rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n')}\n`);
}

// ---- the suite ------------------------------------------------------------------------------------------

describe.skipIf(skip)('chaos under load', () => {
  const runStarted = Date.now();

  beforeAll(async () => {
    const metrics = recordMetrics();
    const started = await Promise.allSettled([
      startEmbeddedCosmos(0),
      startTestRedis(),
      freePort().then(startOwnElasticsearch),
    ] as const);
    const [cosmosStart, redisStart, esStart] = started;
    if (cosmosStart.status === 'rejected' || redisStart.status === 'rejected' || esStart.status === 'rejected') {
      if (cosmosStart.status === 'fulfilled') await cosmosStart.value.close();
      if (redisStart.status === 'fulfilled') await redisStart.value.stop();
      if (esStart.status === 'fulfilled') await esStart.value.purge();
      metrics.uninstall();
      throw started.map((r) => (r.status === 'rejected' ? (r.reason as Error) : null)).find((e) => e !== null)!;
    }
    const [cosmos, redis, es] = [cosmosStart.value, redisStart.value, esStart.value];
    const alias = uniqueIndexPrefix('chaos');
    const inner = createElasticsearchReadStore({ node: es.url, alias, requestTimeoutMs: 5_000 });
    await inner.init();
    // Searches see a write at the next refresh (the projector does not wait for it): a short interval keeps them close.
    await setRefreshInterval(es.url, alias, '50ms');
    const base = {
      cosmos,
      redis,
      es,
      readStore: flakyReadStore(inner, SEED),
      alias,
      deadLetterDir: mkdtempSync(path.join(tmpdir(), 'chaos-deadletter-')),
      journalDir: mkdtempSync(path.join(tmpdir(), 'chaos-topic-journal-')),
      logger: captureLogger(),
      metrics,
      chaos: { seed: SEED } as TopicChaos,
    };
    const host = await bootHost(base, 0);
    sys = { ...base, host, port: host.port };
  });

  afterAll(async () => {
    stopClients = true;
    if (!sys) return;
    await sys.host.stop().catch(() => undefined);
    await sys.readStore.close().catch(() => undefined);
    await Promise.allSettled([sys.es.purge(), sys.redis.stop(), sys.cosmos.close()]);
    rmSync(sys.deadLetterDir, { recursive: true, force: true });
    rmSync(sys.journalDir, { recursive: true, force: true });
    sys.metrics.uninstall();
  });

  it(
    'converges after thousands of commands under every failure at once',
    async () => {
      const s = sys!;
      const clients = Array.from({ length: CLIENTS }, (_, n) => client(n));
      const loop = monitorEventLoopDelay({ resolution: 20 });
      loop.enable();
      const ticker = setInterval(() => {
        const t = s.host.topic.stats;
        debug(
          `latency avg ${(latency.total / Math.max(1, latency.n)).toFixed(0)} ms over ${latency.n}; event loop delay p50 ${(loop.percentile(50) / 1e6).toFixed(0)} ms max ${(loop.max / 1e6).toFixed(0)} ms`,
        );
        latency.n = 0;
        latency.total = 0;
        loop.reset();
        debug(
          `${phase}: ${stats.commandsIssued} commands, 412 retries ${stats.retries412}, conn errors ${stats.connectionErrors}, 5xx ${stats.fiveXX.length}; topic pending ${s.host.topic.pendingDeliveries}, delivered ${t.delivered}, retries ${t.retries}, dead ${t.deadLettered}`,
        );
      }, 2_000);

      // 1. Duplicated and shuffled deliveries, a tenth of the projector's writes failing.
      await runPhase('duplicates+projector-failures', async () => {
        s.chaos.duplicateRate = 0.2;
        s.chaos.maxDelayMs = 200;
        s.readStore.failRate = 0.1;
        await untilCommands(stats.commandsIssued + 250);
      });

      // 2. The topic rejects a third of the publishes (the SDK retries twice; the relay does the rest).
      await runPhase('publish-failures', async () => {
        s.chaos.rejectPublishRate = 0.35;
        await untilCommands(stats.commandsIssued + 300);
        s.chaos.rejectPublishRate = 0;
      });

      // 2b. The projector fails every write for a while: events delivered then exhaust their attempts and
      //     are dead-lettered (redriven at the end).
      await runPhase('projector-outage', async () => {
        s.readStore.failRate = 1;
        await sleep(12_000);
        s.readStore.failRate = 0.1;
      });

      // 3. Elasticsearch stopped, load on, then started again (load still on while it boots).
      await runPhase('elasticsearch-restart', async () => {
        const window = { from: Date.now(), to: Number.POSITIVE_INFINITY };
        esDownWindows.push(window);
        await s.es.stop();
        await untilCommands(stats.commandsIssued + 200);
        await s.es.start();
        window.to = Date.now();
        stats.downtime.elasticsearchSeconds += (window.to - window.from) / 1000;
        await untilCommands(stats.commandsIssued + 100);
      });

      // 4. Redis stopped and restarted (empty) under load: queries degrade, the projector retries.
      await runPhase('redis-restart', async () => {
        const from = Date.now();
        await s.redis.stop();
        await untilCommands(stats.commandsIssued + 200);
        await s.redis.start();
        stats.downtime.redisSeconds += (Date.now() - from) / 1000;
        await untilCommands(stats.commandsIssued + 100);
      });

      // 5. The host restarts on the same port while deliveries are in flight. The cold movies are written
      //    last before the restart and never again: their newest events are still being delivered.
      await runPhase('host-restart', async () => {
        s.chaos.maxDelayMs = 2_000;
        const random = seededRandom(SEED);
        const cold = Array.from({ length: COLD_MOVIES }, (_, i) => `cold${SEED}x${i}`);
        await Promise.all(cold.map((id) => create(random, id)));
        await Promise.all(cold.map((id) => change('patch', id, random)));
        const from = Date.now();
        addTopicStats(s.host.topic.stats);
        await s.host.stop();
        await sleep(300);
        s.chaos.maxDelayMs = 200;
        s.host = await bootHost(s, s.port);
        stats.hostRestarts++;
        stats.downtime.hostSeconds += (Date.now() - from) / 1000;
        await untilCommands(stats.commandsIssued + 250);
      });

      // 6. Everything at once, until at least MIN_COMMANDS commands were sent.
      await runPhase('all-at-once', async () => {
        s.chaos.rejectPublishRate = 0.2;
        await untilCommands(Math.max(MIN_COMMANDS + 50, stats.commandsIssued + 150));
      });

      // Quiesce: clients stop, chaos off, stores up; the relay runs on its schedule (and here).
      stopClients = true;
      await Promise.all(clients);
      phase = 'quiesce';
      s.chaos.rejectPublishRate = 0;
      s.chaos.duplicateRate = 0;
      s.chaos.maxDelayMs = 0;
      s.readStore.failRate = 0;
      expect(await s.readStore.health()).toBe('up');

      const quiesceStarted = Date.now();
      let redriven = 0;
      let deadLettersSeen = 0;
      let rounds = 0;
      let differences: Difference[] = [];
      for (;;) {
        rounds++;
        await s.host.topic.idle();
        await sleep(1_100); // the relay's grace period
        await s.host.runTimer('relay');
        await s.host.topic.idle();
        const dead = await s.host.deps.deadLetters.list();
        if (dead.length > 0) {
          deadLettersSeen += dead.length;
          const result = await redrive(s.host.deps, s.logger);
          redriven += result.redriven;
          await s.host.topic.idle();
        }
        const undispatched = await s.host.deps.eventStore.undispatched(new Date(Date.now() + 60_000).toISOString(), 1);
        differences = (await verifyConvergence(s.host.deps)).differences;
        const left = await s.host.deps.deadLetters.list();
        debug(
          `quiesce round ${rounds}: ${differences.length} differences, ${undispatched.length} undispatched, ${left.length} dead letters, redriven ${redriven}`,
        );
        if (differences.length === 0 && undispatched.length === 0 && left.length === 0) break;
        if (Date.now() - quiesceStarted > CONVERGE_TIMEOUT_MS) break;
      }
      const convergeSeconds = (Date.now() - quiesceStarted) / 1000;
      clearInterval(ticker);

      // The same checks through the operations endpoints (master key).
      // Operations are jobs: 202, then the jobs timer (run here as its schedule would) until each ends.
      const finishJob = async (started: Answer): Promise<Answer> => {
        if (started.status !== 202) return started;
        for (;;) {
          await s.host.runTimer('jobs');
          const job = await call('GET', String(started.headers.get('location')).replace(/^\/api\//, ''), {
            key: MASTER_KEY,
          });
          if (job.json?.status !== 'running') return job;
        }
      };
      const redriveAnswer = await finishJob(
        await call('POST', 'ops/dead-letters/redrive', { body: {}, key: MASTER_KEY }),
      );
      await s.host.topic.idle();
      const deadAnswer = await call('GET', 'ops/dead-letters', { key: MASTER_KEY });
      const verifyAnswer = await finishJob(await call('POST', 'ops/verify', { key: MASTER_KEY }));

      const journalLeft = readdirSync(s.journalDir).filter((n) => n.endsWith('.json')).length;

      // Every movie through the query path (cache included) answers the write store's newest version.
      const staleQueries: string[] = [];
      for (const batch of chunks([...known.keys()], 16)) {
        await Promise.all(
          batch.map(async (id) => {
            const latest = await s.host.deps.eventStore.latest(id);
            const answer = await call('GET', `movies/${id}`);
            const expected = !latest ? 404 : latest.type === 'MovieDeleted' ? 404 : 200;
            if (answer.status !== expected || (expected === 200 && versionOf(answer) !== latest!.version)) {
              staleQueries.push(
                `${id}: ${answer.status} v${versionOf(answer) ?? '-'}, write store v${latest?.version ?? '-'} ${latest?.type ?? ''}`,
              );
            }
          }),
        );
      }

      addTopicStats(s.host.topic.stats);
      const allowed503 = stats.fiveXX.filter(
        (f) => f.status === 503 && f.method === 'GET' && within503Allowance(f.startedAt, f.endedAt),
      );
      const unexpected = stats.fiveXX.filter((f) => !allowed503.includes(f));
      const verifyReport = (
        verifyAnswer.json as { result: { checked: number; tombstones: number; differences: Difference[] } }
      ).result;
      const report: Report = {
        seed: SEED,
        runtimeSeconds: (Date.now() - runStarted) / 1000,
        commands: stats.commands,
        commandsTotal: stats.commandsIssued,
        queries: stats.queries,
        retries412: stats.retries412,
        gaveUpAfter412: stats.gaveUpAfter412,
        connectionErrors: stats.connectionErrors,
        timeouts: stats.timeouts,
        timeoutsBy: stats.timeoutsBy,
        fiveXX: { total: stats.fiveXX.length, allowed503: allowed503.length, unexpected },
        relayRepublished: s.metrics.sum('catalog.relay.republished'),
        topic: stats.topic,
        injectedProjectorFailures: s.readStore.injected.failures,
        deadLetters: {
          total: s.metrics.sum('catalog.deadletters'),
          byReason: s.metrics.by('catalog.deadletters', 'reason'),
          redriven: redriven + Number(redriveAnswer.json?.redriven ?? 0),
          leftAfterRedrive: Array.isArray(deadAnswer.json?.items) ? deadAnswer.json.items.length : -1,
        },
        phases: stats.phases,
        downtime: stats.downtime,
        movies: { total: verifyReport?.checked ?? 0, tombstones: verifyReport?.tombstones ?? 0, cold: COLD_MOVIES },
        convergence: { seconds: convergeSeconds, rounds, differences },
        serverCommandOutcomes: Object.fromEntries(
          Object.entries(s.metrics.by('catalog.commands', 'outcome')).sort(([a], [b]) => a.localeCompare(b)),
        ),
        hostErrors: s.logger.lines.filter((l) => l.startsWith('error')).length,
      };
      printReport(report);
      mkdirSync(path.dirname(REPORT_FILE), { recursive: true });
      writeFileSync(
        REPORT_FILE,
        `${JSON.stringify({ ...report, deadLettersSeenDuringQuiesce: deadLettersSeen, journalLeft, staleQueries }, null, 2)}\n`,
      );

      expect(stats.commandsIssued).toBeGreaterThanOrEqual(MIN_COMMANDS);
      expect(stats.retries412, 'clients on the same movies must collide').toBeGreaterThan(0);
      expect(stats.connectionErrors, 'the host restart must be felt by the clients').toBeGreaterThan(0);
      expect(stats.topic.rejected, 'publish failures were injected').toBeGreaterThan(0);
      expect(report.relayRepublished, 'the relay re-published what the topic rejected').toBeGreaterThan(0);
      expect(stats.topic.duplicated).toBeGreaterThan(0);
      expect(s.readStore.injected.failures).toBeGreaterThan(0);
      expect(report.deadLetters.total, 'the projector outage dead-lettered events').toBeGreaterThan(0);
      expect(stats.timeoutsBy, 'no request hangs: a restarting host refuses connections or answers').toEqual({});
      expect(unexpected, 'no 5xx other than a query 503 while Elasticsearch was down').toEqual([]);
      expect(differences, 'verifyConvergence after quiesce').toEqual([]);
      expect(verifyAnswer.status).toBe(200);
      expect(verifyReport.differences, 'POST /api/ops/verify (job result)').toEqual([]);
      expect(verifyAnswer.json.status, 'the verify job').toBe('succeeded');
      expect(redriveAnswer.json.status, 'the redrive job').toBe('succeeded');
      expect(redriveAnswer.status).toBe(200);
      expect(deadAnswer.status).toBe(200);
      expect(deadAnswer.json.items, 'dead letters after a redrive').toEqual([]);
      expect(journalLeft, 'topic journal entries left once the topic is idle').toBe(0);
      expect(staleQueries, 'queries (cache included) answer the newest version').toEqual([]);
    },
    TEST_TIMEOUT_MS,
  );
});

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * `npm run bench:scale` (also run by `npm run bench` with BENCH_SCALE=1): peak RSS of the process that
 * runs rebuild, verify and the dead-letter listing, at two catalog sizes (default 10,000 and 100,000
 * synthetic movies), with the stores in another process. Target: peak RSS grows at most 10% from the
 * small catalog to the large one (memory independent of catalog size).
 *
 * Three roles of this one file:
 * - `stores` (a child process): holds the write store and the read store in memory, loaded straight from
 *   `syntheticMovies(count, seed)`, and serves their port methods over HTTP (one page per call). As in
 *   production: a page read from the stores travels as one JSON line per item and the worker parses it line
 *   by line (the Cosmos adapter never receives a page as one body: a page of ids, then one small response
 *   per movie), and a page the worker applies goes as one JSON body (the Elasticsearch client sends a bulk
 *   request as one NDJSON body: ~260 KB for 500 entries, a large object V8 keeps until a scavenge).
 *   Why not the embedded Cosmos server: it evaluates every query against every document of the
 *   container, so 100,000 movies (about 300,000 events) would take hours to page, not the adapter's time.
 * - `worker` (a child process, the one measured): the real operations code (rebuildReadModel,
 *   verifyConvergence, the folder dead-letter store's listPage) against proxies of those ports; the dead
 *   letters are files in a folder (the real adapter, the file system being the other side). It samples
 *   its RSS every 10 ms and reports the peak.
 * - the orchestrator (default): for each size, starts `stores`, writes the dead letters, runs `worker`,
 *   prints a table and writes bench/results/scale.json.
 *
 * Settings: BENCH_SCALE_SIZES (default "10000,100000"), BENCH_SCALE_SEED (default 42),
 * BENCH_SCALE_DEAD_LETTERS_PER_MOVIE (default 0.05: 500 and 5,000 records).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { createFileDeadLetterStore } from '../shared/adapters/file-dead-letters';
import { createMemoryCache } from '../shared/adapters/memory-cache';
import { eventId } from '../shared/domain/events';
import { rebuildReadModel } from '../shared/operations/rebuild';
import { verifyConvergence } from '../shared/operations/verify';
import { deadLetterPages, scanLatestPages, type EventStore, type StoredEvent } from '../shared/ports';
import { entryOfStored } from '../shared/read-model/projection';
import type { ReadEntry, ReadStore } from '../shared/read-model/port';
import { syntheticMovies } from './synthetic';
import { entryId } from '../shared/read-model/search-semantics';

const ROOT = resolve(__dirname, '..');
const SEED = Number(process.env.BENCH_SCALE_SEED ?? 42);
const byCodePoint = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** First index of `ids` (sorted) whose value is > after. */
function upperBound(ids: readonly string[], after: string | undefined): number {
  if (after === undefined) return 0;
  let lo = 0;
  let hi = ids.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ids[mid]! <= after) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

// ---------------------------------------------------------------------------------------------- stores
async function stores(count: number): Promise<void> {
  const newest = new Map<string, StoredEvent>();
  let events = 0;
  for (const movie of syntheticMovies(count, SEED)) {
    const last = movie.events.at(-1)!;
    events += movie.events.length;
    newest.set(movie.id, {
      ...last,
      id: eventId(movie.id, last.metadata.version),
      movieId: movie.id,
      version: last.metadata.version,
      dispatched: true,
    });
  }
  const ids = [...newest.keys()].sort(byCodePoint);
  // The read store: indices of entries by id, an alias, sorted ids kept per index for keyset scans.
  const indices = new Map<string, Map<string, ReadEntry>>();
  const sortedIds = new Map<string, string[]>();
  let alias = 'movies-1';
  let counter = 1;
  indices.set(alias, new Map(ids.map((id) => [id, entryOfStored(newest.get(id)!)])));
  const sorted = (index: string) => {
    let s = sortedIds.get(index);
    if (!s) sortedIds.set(index, (s = [...indices.get(index)!.keys()].sort(byCodePoint)));
    return s;
  };
  const methods: Record<string, (...args: never[]) => unknown> = {
    latestPage: ({ afterMovieId, limit }: { afterMovieId?: string; limit: number }) => {
      const from = upperBound(ids, afterMovieId);
      const page = ids.slice(from, from + limit);
      return {
        items: page.map((id) => newest.get(id)),
        next: from + limit < ids.length ? (page.at(-1) ?? null) : null,
      };
    },
    countMovies: () => ids.length,
    get: (id: string, version: number) => {
      const e = newest.get(id);
      return e && version === 1 ? { ...e, version: 1 } : null;
    },
    eventsSince: () => [],
    newIndexName: () => `movies-${counter + 1}`,
    createIndex: (name: string) => {
      if (!indices.has(name)) indices.set(name, new Map());
      counter = Math.max(counter, Number(name.slice('movies-'.length)));
    },
    apply: (entries: ReadEntry[], options?: { index?: string }) => {
      const index = indices.get(options?.index ?? alias)!;
      sortedIds.delete(options?.index ?? alias);
      for (const e of entries) index.set(entryId(e), e);
      return entries.map(() => 'applied');
    },
    readGet: (id: string) => indices.get(alias)!.get(id) ?? null,
    scanPage: (batchSize: number, afterId?: string) => {
      const s = sorted(alias);
      const from = upperBound(s, afterId);
      return s.slice(from, from + batchSize).map((id) => indices.get(alias)!.get(id));
    },
    swapAlias: (index: string) => {
      const before = alias;
      alias = index;
      return [before];
    },
    deleteIndex: (index: string) => void (indices.delete(index), sortedIds.delete(index)),
    currentIndex: () => alias,
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const { method, args } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
        method: string;
        args: unknown[];
      };
      const result = methods[method]!(...(args as never[]));
      // A page goes as one JSON line per item (`next` in a header), so the worker parses it item by item.
      const page = result as { items?: unknown[]; next?: string | null } | unknown[];
      const items = Array.isArray(page) ? page : Array.isArray(page?.items) ? page.items : undefined;
      if (items === undefined) {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify(result ?? null));
        return;
      }
      res.setHeader('content-type', 'application/x-ndjson');
      if (!Array.isArray(page)) res.setHeader('x-page-next', JSON.stringify(page.next ?? null));
      res.end(items.map((item) => `${JSON.stringify(item)}\n`).join(''));
    });
  });
  server.listen(0, '127.0.0.1', () => {
    process.stdout.write(
      `${JSON.stringify({ port: (server.address() as AddressInfo).port, movies: ids.length, events })}\n`,
    );
  });
}

// ---------------------------------------------------------------------------------------------- worker
async function worker(url: string, deadLetterDir: string): Promise<void> {
  let peak = process.memoryUsage().rss;
  // Where the memory is: the peak of each part of process.memoryUsage(), and a snapshot after each phase.
  const peaks = { heapTotal: 0, heapUsed: 0, external: 0, arrayBuffers: 0 };
  const sample = () => {
    const m = process.memoryUsage();
    peak = Math.max(peak, m.rss);
    for (const key of Object.keys(peaks) as Array<keyof typeof peaks>) peaks[key] = Math.max(peaks[key], m[key]);
  };
  const sampler = setInterval(sample, 10);
  const phases: Record<string, NodeJS.MemoryUsage> = { start: process.memoryUsage() };
  const agent = new (await import('node:http')).Agent({ keepAlive: true, maxSockets: 32 });
  const { request } = await import('node:http');
  /** A chunk handler calling `onLine` with each complete line; a partial line is kept (copied) for the next chunk. */
  const lines = (onLine: (line: string) => void) => {
    let rest: Buffer | undefined;
    return (chunk: Buffer) => {
      let start = 0;
      for (let at = chunk.indexOf(10); at >= 0; at = chunk.indexOf(10, start)) {
        onLine(
          rest === undefined
            ? chunk.toString('utf8', start, at)
            : Buffer.concat([rest, chunk.subarray(start, at)]).toString('utf8'),
        );
        rest = undefined;
        start = at + 1;
      }
      if (start < chunk.length)
        rest = rest === undefined ? Buffer.from(chunk.subarray(start)) : Buffer.concat([rest, chunk.subarray(start)]);
    };
  };
  const rpc = <T>(method: string, ...args: unknown[]): Promise<T> =>
    new Promise((resolveCall, reject) => {
      const body = JSON.stringify({ method, args });
      const req = request(
        url,
        {
          method: 'POST',
          agent,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          res.on('error', reject);
          if (res.headers['content-type'] !== 'application/x-ndjson') {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => resolveCall(JSON.parse(Buffer.concat(chunks).toString('utf8')) as T));
            return;
          }
          // A page: parsed line by line as the chunks arrive, never as one body.
          const items: unknown[] = [];
          res.on(
            'data',
            lines((line) => items.push(JSON.parse(line))),
          );
          res.on('end', () => {
            const next = res.headers['x-page-next'];
            resolveCall((typeof next === 'string' ? { items, next: JSON.parse(next) as unknown } : items) as T);
          });
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  const eventStore = {
    latestPage: (page: { afterMovieId?: string; limit: number }) => rpc('latestPage', page),
    countMovies: () => rpc<number>('countMovies'),
    get: (id: string, version: number) => rpc('get', id, version),
    async *eventsSince() {
      const batch = await rpc<StoredEvent[]>('eventsSince');
      if (batch.length > 0) yield batch;
    },
    scanLatest(options?: { afterMovieId?: string; batchSize?: number }) {
      return scanLatestPages(eventStore, options);
    },
  } as unknown as EventStore;
  const readStore = {
    kind: 'embedded',
    apply: (entries: readonly ReadEntry[], options?: { index?: string }) => rpc('apply', entries, options),
    get: (id: string) => rpc('readGet', id),
    async *scan(batchSize = 500, afterId?: string) {
      let after = afterId;
      for (;;) {
        const batch = await rpc<ReadEntry[]>('scanPage', batchSize, after);
        if (batch.length > 0) yield batch;
        if (batch.length < batchSize) return;
        after = entryId(batch.at(-1)!);
      }
    },
    refresh: async () => undefined,
    newIndexName: () => rpc('newIndexName'),
    createIndex: (name: string) => rpc('createIndex', name),
    swapAlias: (index: string) => rpc('swapAlias', index),
    deleteIndex: (index: string) => rpc('deleteIndex', index),
    currentIndex: () => rpc('currentIndex'),
  } as unknown as ReadStore;
  const deps = { eventStore, readStore, cache: createMemoryCache(), clock: () => new Date() };
  const started = performance.now();
  const rebuild = await rebuildReadModel(deps);
  const rebuildSeconds = (performance.now() - started) / 1000;
  sample();
  phases.rebuild = process.memoryUsage();
  const peakAfterRebuild = peak;
  const verifyStarted = performance.now();
  const verify = await verifyConvergence(deps);
  const verifySeconds = (performance.now() - verifyStarted) / 1000;
  sample();
  phases.verify = process.memoryUsage();
  const peakAfterVerify = peak;
  const listStarted = performance.now();
  let listed = 0;
  for await (const page of deadLetterPages(createFileDeadLetterStore(deadLetterDir), 100)) listed += page.length;
  const listSeconds = (performance.now() - listStarted) / 1000;
  clearInterval(sampler);
  sample();
  phases.listing = process.memoryUsage();
  process.stdout.write(
    `${JSON.stringify({
      peakRss: peak,
      peaks,
      phases,
      execArgv: process.execArgv.filter((a) => a !== '--import' && a !== 'tsx'),
      peakAfterRebuild,
      peakAfterVerify,
      heapUsedAtEnd: process.memoryUsage().heapUsed,
      maxRss: process.resourceUsage().maxRSS * 1024,
      loaded: rebuild.loaded,
      checked: verify.checked,
      differences: verify.differenceCount,
      listed,
      rebuildSeconds,
      verifySeconds,
      listSeconds,
    })}\n`,
  );
  agent.destroy();
}

// ----------------------------------------------------------------------------------------- orchestrator
/** Extra V8/Node flags for the measured worker only (BENCH_SCALE_WORKER_FLAGS, e.g. `--max-semi-space-size=1`). */
const WORKER_FLAGS = (process.env.BENCH_SCALE_WORKER_FLAGS ?? '').split(' ').filter((f) => f !== '');

function child(
  args: string[],
  flags: readonly string[] = [],
): { lines: AsyncIterable<string>; stop: () => void; done: Promise<number> } {
  const proc = spawn(process.execPath, [...flags, '--import', 'tsx', __filename, ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const done = new Promise<number>((r) => proc.on('exit', (code) => r(code ?? 1)));
  async function* lines() {
    let buffer = '';
    for await (const chunk of proc.stdout) {
      buffer += String(chunk);
      let at: number;
      while ((at = buffer.indexOf('\n')) >= 0) {
        yield buffer.slice(0, at);
        buffer = buffer.slice(at + 1);
      }
    }
  }
  return { lines: lines(), stop: () => proc.kill(), done };
}

async function firstLine<T>(lines: AsyncIterable<string>): Promise<T> {
  for await (const line of lines) return JSON.parse(line) as T;
  throw new Error('child ended without output');
}

interface WorkerReport {
  peakRss: number;
  peaks: { heapTotal: number; heapUsed: number; external: number; arrayBuffers: number };
  phases: Record<'start' | 'rebuild' | 'verify' | 'listing', NodeJS.MemoryUsage>;
  execArgv: string[];
  peakAfterRebuild: number;
  peakAfterVerify: number;
  heapUsedAtEnd: number;
  maxRss: number;
  loaded: number;
  checked: number;
  differences: number;
  listed: number;
  rebuildSeconds: number;
  verifySeconds: number;
  listSeconds: number;
}

async function measure(count: number): Promise<WorkerReport & { movies: number; events: number }> {
  const storesProc = child(['--role', 'stores', '--count', String(count)]);
  const { port, movies, events } = await firstLine<{ port: number; movies: number; events: number }>(storesProc.lines);
  const dir = mkdtempSync(join(os.tmpdir(), 'bench-scale-dl-'));
  const deadLetters = createFileDeadLetterStore(dir);
  const perMovie = Number(process.env.BENCH_SCALE_DEAD_LETTERS_PER_MOVIE ?? 0.05);
  let n = 0;
  for (const movie of syntheticMovies(Math.round(count * perMovie), SEED + 1)) {
    const e = movie.events[0]!;
    await deadLetters.put({
      subscription: 'projector',
      event: {
        specversion: '1.0',
        id: eventId(movie.id, 1),
        source: '/movie-catalog/movies',
        type: 'Movies.MovieCreated.v1',
        subject: `movies/${movie.id}`,
        data: e,
      },
      reason: 'MaxDeliveryAttemptsExceeded',
      deliveryAttempts: 10,
      deadLetteredAt: new Date(Date.UTC(2026, 0, 1, 0, 0, n++)).toISOString(),
    });
  }
  try {
    const w = child(['--role', 'worker', '--url', `http://127.0.0.1:${port}/`, '--dir', dir], WORKER_FLAGS);
    const report = await firstLine<WorkerReport>(w.lines);
    await w.done;
    return { ...report, movies, events };
  } finally {
    storesProc.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

export async function scaleBench(
  sizes: readonly number[],
): Promise<{ rows: Array<Awaited<ReturnType<typeof measure>>>; ratio: number }> {
  const rows: Array<Awaited<ReturnType<typeof measure>>> = [];
  for (const size of sizes) {
    console.log(`[scale] ${size} movies...`);
    const row = await measure(size);
    rows.push(row);
    console.log(
      `[scale] ${row.movies} movies (${row.events} events): peak RSS ${mb(row.peakRss)} (after rebuild ${mb(row.peakAfterRebuild)}, after verify ${mb(row.peakAfterVerify)}; ` +
        `maxRSS ${mb(row.maxRss)}; heap used at the end ${mb(row.heapUsedAtEnd)}); ` +
        `rebuild ${row.loaded} in ${row.rebuildSeconds.toFixed(1)} s, verify ${row.checked} (${row.differences} differences) in ${row.verifySeconds.toFixed(1)} s, ` +
        `${row.listed} dead letters listed in ${row.listSeconds.toFixed(1)} s`,
    );
    console.log(
      `[scale]   peaks: heap total ${mb(row.peaks.heapTotal)}, heap used ${mb(row.peaks.heapUsed)}, external ${mb(row.peaks.external)}, ` +
        `array buffers ${mb(row.peaks.arrayBuffers)}; after each phase (rss / heap total / heap used): ` +
        Object.entries(row.phases)
          .map(([phase, m]) => `${phase} ${mb(m.rss)} / ${mb(m.heapTotal)} / ${mb(m.heapUsed)}`)
          .join(', ') +
        (row.execArgv.length > 0 ? `; worker flags ${row.execArgv.join(' ')}` : ''),
    );
  }
  const ratio = rows.at(-1)!.peakRss / rows[0]!.peakRss;
  console.log(
    `[scale] peak RSS ${rows.at(-1)!.movies} / ${rows[0]!.movies} movies = ${ratio.toFixed(3)} (target <= 1.10): ${ratio <= 1.1 ? 'met' : 'NOT met'}`,
  );
  return { rows, ratio };
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const arg = (name: string) => argv[argv.indexOf(`--${name}`) + 1];
  const role = argv.includes('--role') ? arg('role') : 'orchestrator';
  if (role === 'stores') return stores(Number(arg('count')));
  if (role === 'worker') return worker(arg('url')!, arg('dir')!);
  const sizes = (process.env.BENCH_SCALE_SIZES ?? '10000,100000').split(',').map(Number);
  const result = await scaleBench(sizes);
  mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
  writeFileSync(
    join(ROOT, 'bench', 'results', 'scale.json'),
    `${JSON.stringify({ date: new Date().toISOString(), node: process.version, cpus: os.cpus().length, loadAverage: os.loadavg(), workerFlags: WORKER_FLAGS, ...result }, null, 2)}\n`,
  );
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}

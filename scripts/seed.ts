/**
 * `npm run seed`: loads the 3,201 movies of vega-datasets (data/movies.json) THROUGH THE PUBLIC COMMAND
 * API: POST /api/movies with an Idempotency-Key derived from each record, so a re-run writes nothing new
 * (every request is answered 201 with Idempotent-Replayed). Bounded concurrency, retries with backoff on
 * 429/5xx/connection errors, a progress bar, and a summary.
 *
 *   npm run seed -- [--url http://127.0.0.1:7071] [--concurrency 16] [--offset 0] [--limit 3201]
 *   env: CATALOG_URL (instead of --url), FUNCTION_KEY (the host or createMovie key)
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { SingleBar } from 'cli-progress';
import type { LocalHost } from '../shared/local/host';
import { mapRecord, type VegaMovie } from '../shared/seed/mapping';
import { HttpError, catalogUrl, formatRate, intArg, problemText, requestJson, runMain } from './cli';

/** The vega-datasets movies table (the package exports no path to it, so it is found from its entry). */
export function loadVegaMovies(): VegaMovie[] {
  const file = join(dirname(require.resolve('vega-datasets')), '..', 'data', 'movies.json');
  return JSON.parse(readFileSync(file, 'utf8')) as VegaMovie[];
}

export interface SeedOptions {
  /** Catalog base URL (no /api). */
  readonly url: string;
  readonly key?: string;
  readonly records: readonly VegaMovie[];
  /** Position of records[0] in the whole table (part of each Idempotency-Key). Default 0. */
  readonly firstIndex?: number;
  /** Requests in flight (default 16). */
  readonly concurrency?: number;
  /** Show a progress bar on stderr (default false). */
  readonly progress?: boolean;
  /** Attempts per record for 429/5xx/connection errors (default 6). */
  readonly attempts?: number;
}

export interface SeedSummary {
  readonly total: number;
  readonly created: number;
  readonly replayed: number;
  /** Records not sent (no title, rejected by our validation) or rejected by the API, by reason. */
  readonly skipped: Readonly<Record<string, number>>;
  readonly failed: number;
  readonly failures: ReadonlyArray<{ readonly index: number; readonly title: string; readonly error: string }>;
  /** Movie ids written or replayed, in table order. */
  readonly ids: readonly string[];
  readonly seconds: number;
  /** Records per second. */
  readonly rate: number;
}

export const skippedCount = (s: SeedSummary) => Object.values(s.skipped).reduce((a, b) => a + b, 0);

export async function seedCatalog(options: SeedOptions): Promise<SeedSummary> {
  const started = performance.now();
  const firstIndex = options.firstIndex ?? 0;
  const mapped = options.records.map((raw, i) => ({ raw, record: mapRecord(raw, firstIndex + i) }));
  const skipped: Record<string, number> = {};
  const failures: Array<{ index: number; title: string; error: string }> = [];
  const ids: Array<string | undefined> = new Array<string | undefined>(mapped.length);
  let created = 0;
  let replayed = 0;
  let fatal: Error | undefined;
  const skip = (reason: string) => (skipped[reason] = (skipped[reason] ?? 0) + 1);

  const bar = options.progress
    ? new SingleBar({
        format:
          'seed {bar} {percentage}% | {value}/{total} | {speed}/s | ETA {eta_formatted} | created {created} replayed {replayed} skipped {skipped} failed {failed}',
        stream: process.stderr,
        hideCursor: true,
        etaBuffer: 200,
      })
    : undefined;
  const counters = () => ({
    created,
    replayed,
    skipped: Object.values(skipped).reduce((a, b) => a + b, 0),
    failed: failures.length,
  });
  bar?.start(mapped.length, 0, { ...counters(), speed: '0' });
  let done = 0;
  const tick = () => {
    done++;
    const seconds = (performance.now() - started) / 1000;
    bar?.update(done, { ...counters(), speed: seconds > 0 ? (done / seconds).toFixed(0) : '0' });
  };

  const send = async (i: number) => {
    const { raw, record } = mapped[i]!;
    if (!record.ok) {
      skip(record.reason);
      return;
    }
    try {
      const response = await requestJson(`${options.url}/api/movies`, {
        method: 'POST',
        key: options.key,
        body: record.fields,
        headers: { 'idempotency-key': record.key },
        attempts: options.attempts,
      });
      if (response.status === 201) {
        ids[i] = (response.json as { id: string }).id;
        if (response.headers.get('idempotent-replayed') === 'true') replayed++;
        else created++;
      } else if (response.status === 401 || response.status === 404) {
        // Every other record would get the same answer: stop.
        fatal ??= new HttpError(
          response.status,
          `POST ${options.url}/api/movies: ${response.status} ${problemText(response.json)}${response.status === 401 ? ' (set FUNCTION_KEY)' : ''}`,
        );
      } else if (response.status === 400 || response.status === 422) {
        const first = (response.json as { errors?: Array<{ path?: string }> } | undefined)?.errors?.[0]?.path;
        skip(`rejected by the API: ${first ?? problemText(response.json)}`);
      } else {
        failures.push({
          index: record.index,
          title: String(raw.Title),
          error: `${response.status} ${problemText(response.json)}`,
        });
      }
    } catch (error) {
      failures.push({ index: record.index, title: String(raw.Title), error: (error as Error).message });
    }
  };

  let next = 0;
  const worker = async () => {
    while (!fatal && next < mapped.length) {
      const i = next++;
      await send(i);
      tick();
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 16) }, worker));
  } finally {
    bar?.stop();
  }
  if (fatal) throw fatal;
  const seconds = (performance.now() - started) / 1000;
  return {
    total: mapped.length,
    created,
    replayed,
    skipped,
    failed: failures.length,
    failures,
    ids: ids.filter((id): id is string => id !== undefined),
    seconds,
    rate: seconds > 0 ? mapped.length / seconds : 0,
  };
}

export function formatSkipped(skipped: Readonly<Record<string, number>>): string {
  const entries = Object.entries(skipped).sort((a, b) => b[1] - a[1]);
  return entries.length === 0 ? 'none' : entries.map(([reason, n]) => `${n} ${reason}`).join(', ');
}

/** One line: "seed: 3201 records in 12.3 s (260.1/s): 3200 created, 0 replayed, 1 skipped (1 no title), 0 failed". */
export function summaryLine(s: SeedSummary): string {
  return (
    `seed: ${s.total} records in ${s.seconds.toFixed(1)} s (${formatRate(s.total, s.seconds)}): ${s.created} created, ${s.replayed} replayed, ` +
    `${skippedCount(s)} skipped (${formatSkipped(s.skipped)}), ${s.failed} failed`
  );
}

export function summaryTable(s: SeedSummary): string {
  const lines = [
    'Seed summary',
    `  records    ${s.total}`,
    `  created    ${s.created}`,
    `  replayed   ${s.replayed}   (already there: Idempotent-Replayed)`,
    `  skipped    ${skippedCount(s)}`,
    ...Object.entries(s.skipped).map(([reason, n]) => `    ${String(n).padStart(5)}  ${reason}`),
    `  failed     ${s.failed}`,
    ...s.failures.slice(0, 20).map((f) => `    #${f.index} ${JSON.stringify(f.title)}: ${f.error}`),
    ...(s.failures.length > 20 ? [`    ... and ${s.failures.length - 20} more`] : []),
    `  time       ${s.seconds.toFixed(1)} s (${formatRate(s.total, s.seconds)})`,
  ];
  return lines.join('\n');
}

/** `npm start` with LOCAL_SEED=auto: seeds an empty catalog through the host's own API, one line of output. */
export async function seedIfEmpty(host: LocalHost): Promise<void> {
  const probe = await requestJson(`${host.url}/api/movies?limit=1`, { key: host.keys.host, attempts: 3 });
  if (probe.status !== 200) throw new Error(`GET /api/movies answered ${probe.status} ${problemText(probe.json)}`);
  const total = (probe.json as { total?: number }).total ?? 0;
  if (total > 0) return;
  const summary = await seedCatalog({ url: host.url, key: host.keys.host, records: loadVegaMovies() });
  console.log(summaryLine(summary));
}

async function main(): Promise<number> {
  const url = catalogUrl();
  const all = loadVegaMovies();
  const offset = Math.min(intArg('offset', 0), all.length);
  const limit = intArg('limit', all.length);
  const records = all.slice(offset, offset + limit);
  console.log(`Seeding ${records.length} movies (vega-datasets movies.json) into ${url}/api/movies`);
  const summary = await seedCatalog({
    url,
    key: process.env.FUNCTION_KEY,
    records,
    firstIndex: offset,
    concurrency: intArg('concurrency', 16, 1),
    progress: true,
  });
  console.log(summaryTable(summary));
  return summary.failed > 0 ? 1 : 0;
}

if (require.main === module) runMain(main);

/**
 * Shared helpers of the command-line scripts (seed, verify, redrive, rebuild): arguments, the catalog
 * URL and keys, and HTTP calls that retry what is worth retrying.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs, type ParseArgsConfig } from 'node:util';

export const DEFAULT_CATALOG_URL = 'http://127.0.0.1:7071';

/**
 * Every option the scripts take (node:util parseArgs, strict): `--name value` or `--name=value` for values,
 * bare `--name` for switches. An unknown option, a switch given a value (`--json=true`) or a value option
 * followed by another option (`--url --json`) is a UsageError instead of a silent misreading.
 */
const OPTIONS = {
  url: { type: 'string' },
  key: { type: 'string' },
  offset: { type: 'string' },
  limit: { type: 'string' },
  concurrency: { type: 'string' },
  'search-timeout': { type: 'string' },
  http: { type: 'boolean' },
  json: { type: 'boolean' },
  list: { type: 'boolean' },
} as const satisfies ParseArgsConfig['options'];

type OptionName = keyof typeof OPTIONS;

export function parseCli(argv: readonly string[] = process.argv.slice(2)) {
  try {
    return parseArgs({ args: [...argv], options: OPTIONS, strict: true, allowPositionals: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** The value of `--name`; undefined when absent. */
export function argValue(name: OptionName, argv?: readonly string[]): string | undefined {
  const value = parseCli(argv).values[name];
  return typeof value === 'string' ? value : undefined;
}

export function hasFlag(name: OptionName, argv?: readonly string[]): boolean {
  return parseCli(argv).values[name] === true;
}

/** Arguments that are neither options nor option values. */
export function positionals(argv?: readonly string[]): string[] {
  return parseCli(argv).positionals;
}

export function intArg(name: OptionName, def: number, min = 0): number {
  const raw = argValue(name);
  if (raw === undefined) return def;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name} must be an integer >= ${min}`);
  return n;
}

/** The catalog's base URL (no /api): --url, else CATALOG_URL, else the local host's default. */
export function catalogUrl(): string {
  const url = argValue('url') ?? process.env.CATALOG_URL ?? DEFAULT_CATALOG_URL;
  if (!URL.canParse(url)) throw new UsageError(`not a URL: ${url} (--url or CATALOG_URL)`);
  return url.replace(/\/+$/, '').replace(/\/api$/, '');
}

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Thrown for an answer that retrying cannot fix (wrong key, wrong URL...). */
export class HttpError extends Error {
  override readonly name = 'HttpError';
  constructor(
    readonly status: number,
    message: string,
    readonly body?: unknown,
  ) {
    super(message);
  }
}

export interface JsonResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly json: unknown;
  readonly attempts: number;
}

export interface RequestOptions {
  readonly method?: string;
  readonly key?: string;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
  /** Attempts in all (default 6). */
  readonly attempts?: number;
  /** First backoff (default 200 ms), doubled per attempt up to 5 s, with jitter. */
  readonly backoffMs?: number;
  readonly timeoutMs?: number;
}

const retryable = (status: number) => status === 429 || status >= 500;

function retryAfterMs(headers: Headers): number | undefined {
  const value = headers.get('retry-after');
  if (value === null) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.min(seconds * 1000, 30_000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.min(at - Date.now(), 30_000));
}

/**
 * One JSON request. 429, 5xx and connection errors are retried with exponential backoff (honouring
 * Retry-After); any other answer is returned as it is. Throws after the last attempt.
 */
export async function requestJson(url: string, options: RequestOptions = {}): Promise<JsonResponse> {
  const attempts = options.attempts ?? 6;
  const base = options.backoffMs ?? 200;
  const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
  if (options.key) headers['x-functions-key'] = options.key;
  let body: string | undefined;
  if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  }
  let lastError: unknown;
  for (let attempt = 1; ; attempt++) {
    let wait = Math.min(base * 2 ** (attempt - 1), 5000) * (0.5 + Math.random() / 2);
    try {
      const response = await fetch(url, {
        method: options.method ?? 'GET',
        headers,
        body,
        signal: AbortSignal.timeout(options.timeoutMs ?? 120_000),
      });
      const text = await response.text();
      let json: unknown;
      try {
        json = text ? JSON.parse(text) : undefined;
      } catch {
        json = text;
      }
      if (!retryable(response.status) || attempt >= attempts)
        return { status: response.status, headers: response.headers, json, attempts: attempt };
      wait = retryAfterMs(response.headers) ?? wait;
      lastError = new HttpError(response.status, `${response.status} ${problemText(json)}`, json);
    } catch (error) {
      lastError = error;
      if (attempt >= attempts) break;
    }
    await sleep(wait);
  }
  const cause = lastError as Error & { cause?: { code?: string; message?: string } };
  throw new Error(`${options.method ?? 'GET'} ${url}: ${cause.cause?.code ?? cause.cause?.message ?? cause.message}`, {
    cause: lastError,
  });
}

/** The gist of a problem+json body (title, detail, first error). */
export function problemText(json: unknown): string {
  if (!json || typeof json !== 'object') return typeof json === 'string' ? json.slice(0, 200) : '';
  const p = json as { title?: string; detail?: string; errors?: Array<{ path?: string; message?: string }> };
  const first = p.errors?.[0];
  return [p.title, p.detail, first ? `${first.path ?? ''}: ${first.message ?? ''}` : undefined]
    .filter(Boolean)
    .join(' - ');
}

/** Calls an admin endpoint with MASTER_KEY; anything but `expect` is an HttpError. */
export async function adminCall<T>(
  path: string,
  options: { method?: string; body?: unknown; expect?: number; attempts?: number; timeoutMs?: number } = {},
): Promise<T> {
  const key = process.env.MASTER_KEY;
  if (!key) throw new UsageError('MASTER_KEY is not set (the operations endpoints take the master key only)');
  const url = `${catalogUrl()}/api/${path}`;
  const response = await requestJson(url, {
    method: options.method,
    body: options.body,
    key,
    attempts: options.attempts ?? 3,
    timeoutMs: options.timeoutMs,
  });
  if (response.status !== (options.expect ?? 200)) {
    throw new HttpError(
      response.status,
      `${options.method ?? 'GET'} ${url}: ${response.status} ${problemText(response.json)}`,
      response.json,
    );
  }
  return response.json as T;
}

/** Runs a CLI's main: its return value is the exit code; an error exits 2 with one line (the stack with LOG_LEVEL=debug). */
export function runMain(main: () => Promise<number>): void {
  main()
    .then((code) => process.exit(code))
    .catch((error: unknown) => {
      console.error(error instanceof Error && process.env.LOG_LEVEL !== 'debug' ? `error: ${error.message}` : error);
      process.exit(2);
    });
}

export function formatRate(count: number, seconds: number): string {
  return seconds > 0 ? `${(count / seconds).toFixed(1)}/s` : '-';
}

/** A job as GET /api/ops/jobs/{id} shows it. */
export interface JobView<R = unknown> {
  readonly id: string;
  readonly kind: string;
  readonly status: 'running' | 'succeeded' | 'failed';
  readonly progress: { readonly phase: string; readonly done: number; readonly total?: number };
  readonly result?: R;
  readonly error?: string;
}

/**
 * Starts a job (POST, 202 with Location), then follows it at GET /api/ops/jobs/{id} with a progress bar
 * on stderr until it ends. A 409 (a rebuild already running) follows the running job instead when
 * `followRunning` is set, else is an HttpError. Returns the finished job; a failed job is an Error.
 */
export async function runJob<R>(
  path: string,
  options: { body?: unknown; label: string; pollMs?: number; followRunning?: boolean; progress?: boolean },
): Promise<JobView<R>> {
  const key = process.env.MASTER_KEY;
  if (!key) throw new UsageError('MASTER_KEY is not set (the operations endpoints take the master key only)');
  const base = catalogUrl();
  const started = await requestJson(`${base}/api/${path}`, { method: 'POST', key, body: options.body, attempts: 1 });
  let location: string;
  if (started.status === 202) {
    location = started.headers.get('location') ?? `/api/ops/jobs/${(started.json as JobView).id}`;
  } else if (started.status === 409 && options.followRunning) {
    location = String((started.json as { location?: string }).location);
    console.log(`${options.label}: another one is running; following it (${location})`);
  } else {
    throw new HttpError(
      started.status,
      `POST ${base}/api/${path}: ${started.status} ${problemText(started.json)}`,
      started.json,
    );
  }
  const url = new URL(location, `${base}/`).toString();
  console.log(`${options.label}: job ${url}`);
  const { SingleBar } = await import('cli-progress');
  const bar =
    options.progress === false
      ? undefined
      : new SingleBar({
          format: `${options.label} {phase} {bar} {value}/{total} | {status}`,
          stream: process.stderr,
          hideCursor: true,
        });
  bar?.start(1, 0, { phase: '', status: 'running' });
  try {
    for (;;) {
      const response = await requestJson(url, { key, attempts: 6 });
      if (response.status !== 200)
        throw new HttpError(
          response.status,
          `GET ${url}: ${response.status} ${problemText(response.json)}`,
          response.json,
        );
      const job = response.json as JobView<R>;
      const total = job.progress.total ?? Math.max(job.progress.done, 1);
      bar?.setTotal(Math.max(total, job.progress.done, 1));
      bar?.update(job.progress.done, { phase: job.progress.phase.padEnd(7), status: job.status });
      if (job.status === 'failed')
        throw new Error(`${options.label} job ${job.id} failed: ${job.error ?? 'unknown error'}`);
      if (job.status === 'succeeded') return job;
      await sleep(options.pollMs ?? 1000);
    }
  } finally {
    bar?.stop();
  }
}

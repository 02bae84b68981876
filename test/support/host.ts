/**
 * Boots the local Functions host for a test, on a free port, with the app's real function registry,
 * fixed keys, a private dead-letter folder and fast Event Grid retries. Logs are captured (tests assert
 * on them, e.g. that no secret is logged) and printed only with LOG_LEVEL=debug.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../shared/config';
import { startLocalHost, type LocalHost } from '../../shared/local/host';
import type { Deps, Logger } from '../../shared/ports';
import { functions } from '../../functions/all';
import { uniqueIndexPrefix } from './elasticsearch';

export const FUNCTION_KEY = 'test-function-key-0123456789';
export const MASTER_KEY = 'test-master-key-0123456789';
export const TOPIC_KEY = 'test-topic-key-0123456789';

export interface CapturedLogger extends Logger {
  readonly lines: string[];
}

export function captureLogger(): CapturedLogger {
  const lines: string[] = [];
  const write =
    (level: string) =>
    (...args: unknown[]) => {
      const line = `${level} ${args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ')}`;
      lines.push(line);
      if (process.env.LOG_LEVEL === 'debug') console.log(line);
    };
  return { lines, log: write('info'), warn: write('warn'), error: write('error') };
}

export interface TestHostOptions {
  /** Settings (environment variable names) on top of the test defaults. */
  readonly env?: Record<string, string | undefined>;
  /** Use the run's Elasticsearch (ELASTICSEARCH_URL) with a unique alias; default: embedded store. */
  readonly elasticsearch?: boolean;
  readonly overrides?: Partial<Deps>;
  readonly timers?: boolean;
  /** Reuse a dead-letter folder (host restarts). */
  readonly deadLetterDir?: string;
  readonly port?: number;
}

export interface TestHost extends LocalHost {
  readonly logger: CapturedLogger;
  readonly deadLetterDir: string;
  /** Fetches /api/<path> with the function key unless `key` says otherwise ('none' sends none). */
  api(path: string, init?: ApiInit): Promise<ApiResponse>;
  /** Waits until every pending delivery has been delivered or dead-lettered, then refreshes the read store. */
  settle(): Promise<void>;
  /**
   * Follows the job a 202 started to its end, running the jobs timer as its schedule would (test hosts
   * run no timers by themselves), and returns the last GET /api/ops/jobs/{id} (status 200, the job).
   */
  finishJob(started: ApiResponse): Promise<ApiResponse>;
}

export interface ApiInit {
  readonly method?: string;
  readonly body?: unknown;
  readonly rawBody?: string | Uint8Array;
  readonly headers?: Record<string, string>;
  /** 'function' (default), 'master', 'none', or a literal key to send. */
  readonly key?: string;
}

export interface ApiResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly json: any;
}

/** Status, headers, text, and the body as JSON when it is JSON. */
export async function readResponse(response: Response): Promise<ApiResponse> {
  const text = await response.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

export async function startTestHost(options: TestHostOptions = {}): Promise<TestHost> {
  const deadLetterDir = options.deadLetterDir ?? mkdtempSync(join(tmpdir(), 'deadletter-'));
  const esUrl = process.env.ELASTICSEARCH_URL;
  if (options.elasticsearch && !esUrl) throw new Error('ELASTICSEARCH_URL is not set (see test/global-setup.ts)');
  const config = loadConfig({
    PORT: String(options.port ?? 0),
    FUNCTION_KEY,
    MASTER_KEY,
    EVENTGRID_TOPIC_KEY: TOPIC_KEY,
    DEAD_LETTER_DIR: deadLetterDir,
    LOCAL_TOPIC_JOURNAL_DIR: join(deadLetterDir, '.topic-journal'),
    LOCAL_EVENTGRID_BACKOFF_MS: '20',
    LOCAL_SEED: 'off',
    RELAY_GRACE_SECONDS: '0',
    ...(options.elasticsearch ? { ELASTICSEARCH_URL: esUrl, ELASTICSEARCH_INDEX: uniqueIndexPrefix('movies') } : {}),
    ...options.env,
  });
  const logger = captureLogger();
  const host = await startLocalHost({
    config,
    functions,
    logger,
    overrides: options.overrides,
    timers: options.timers ?? false,
  });
  const api = async (path: string, init: ApiInit = {}): Promise<ApiResponse> => {
    const headers: Record<string, string> = { ...init.headers };
    const key = init.key ?? 'function';
    if (key !== 'none')
      headers['x-functions-key'] = key === 'function' ? FUNCTION_KEY : key === 'master' ? MASTER_KEY : key;
    let body: string | Uint8Array | undefined = init.rawBody;
    if (init.body !== undefined) {
      body = JSON.stringify(init.body);
      headers['content-type'] ??= 'application/json';
    }
    return readResponse(
      await fetch(`${host.url}/api/${path.replace(/^\//, '')}`, { method: init.method ?? 'GET', headers, body }),
    );
  };
  return Object.assign(Object.create(host) as LocalHost, host, {
    logger,
    deadLetterDir,
    api,
    // The projector does not wait for searches to see its writes (a refresh interval): settle does.
    settle: async () => {
      await host.topic.idle();
      await host.deps.readStore.refresh().catch(() => undefined);
    },
    async finishJob(started: ApiResponse) {
      if (started.status !== 202)
        throw new Error(`expected 202 starting a job, got ${started.status}: ${started.text}`);
      const location = started.headers.get('location') ?? '';
      if (!location.startsWith('/api/ops/jobs/')) throw new Error(`202 without a job Location: ${location}`);
      for (let tick = 0; tick < 10_000; tick++) {
        await host.runTimer('jobs');
        const job = await api(location.slice('/api/'.length), { key: 'master' });
        if (job.status !== 200 || job.json?.status !== 'running') return job;
      }
      throw new Error(`job ${location} did not end`);
    },
    async stop() {
      await host.stop();
      if (!options.deadLetterDir) rmSync(deadLetterDir, { recursive: true, force: true });
    },
  });
}

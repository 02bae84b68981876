/**
 * `npm run smoke`: the smoke test of any environment, through the public API only.
 *
 *   npm run smoke -- --url https://<app>.azurewebsites.net [--key <function key>] [--search-timeout 60]
 *   env: CATALOG_URL (instead of --url), FUNCTION_KEY (instead of --key)
 *
 * Creates a movie, reads it back with read-your-writes (X-Min-Version), finds it by search (polling until the
 * projector has indexed it), updates it with If-Match, deletes it with If-Match, sees 404, and cleans up
 * whatever a failed run left. Prints each step with its latency; exits 1 on the first failing step, 2 when
 * it could not run at all.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  argValue,
  catalogUrl,
  intArg,
  problemText,
  requestJson,
  runMain,
  type JsonResponse,
  type RequestOptions,
} from './cli';

export interface SmokeStep {
  readonly name: string;
  readonly ok: boolean;
  readonly ms: number;
  readonly detail: string;
}

export interface SmokeOptions {
  /** Base URL without /api. */
  readonly baseUrl: string;
  readonly key?: string;
  /** How long search may take to show the new movie (eventual consistency), default 60 s. */
  readonly searchTimeoutMs?: number;
  /** Called as each step ends. */
  readonly onStep?: (step: SmokeStep) => void;
}

class StepFailed extends Error {}

/** Runs the steps in order and stops at the first failure; always tries to remove the movie it made. */
export async function runSmoke(options: SmokeOptions): Promise<{ ok: boolean; steps: SmokeStep[] }> {
  const api = `${options.baseUrl.replace(/\/+$/, '').replace(/\/api$/, '')}/api`;
  const token = `smoke${randomBytes(6)
    .toString('hex')
    .replace(/[0-9]/g, (d) => 'ghijklmnop'[Number(d)] ?? 'x')}`;
  const steps: SmokeStep[] = [];
  const call = (path: string, init: RequestOptions = {}): Promise<JsonResponse> =>
    requestJson(`${api}/${path}`, { attempts: 3, timeoutMs: 30_000, key: options.key, ...init });
  const expectStatus = (response: JsonResponse, status: number, what: string) => {
    if (response.status !== status) {
      throw new StepFailed(`${what}: expected ${status}, got ${response.status} ${problemText(response.json)}`.trim());
    }
  };
  const step = async (name: string, body: () => Promise<string>) => {
    const started = performance.now();
    let result: SmokeStep;
    try {
      const detail = await body();
      result = { name, ok: true, ms: Math.round(performance.now() - started), detail };
    } catch (error) {
      result = { name, ok: false, ms: Math.round(performance.now() - started), detail: (error as Error).message };
    }
    steps.push(result);
    options.onStep?.(result);
    if (!result.ok) throw new StepFailed(result.detail);
  };

  let id: string | undefined;
  let version = 0;
  let deleted = false;
  try {
    await step('create', async () => {
      const res = await call('movies', {
        method: 'POST',
        body: { title: `Smoke test ${token}`, genres: ['Documentary'], releaseDate: '2000-01-01' },
      });
      expectStatus(res, 201, 'POST /movies');
      const movie = res.json as { id?: string; version?: number };
      if (!movie.id || movie.version !== 1 || res.headers.get('etag') !== '"1"')
        throw new StepFailed(`POST /movies: no id, version 1 and ETag "1" in the answer`);
      id = movie.id;
      version = 1;
      return `id ${id}`;
    });
    await step('read back (X-Min-Version)', async () => {
      const res = await call(`movies/${id}`, { headers: { 'X-Min-Version': String(version) } });
      expectStatus(res, 200, `GET /movies/${id}`);
      const movie = res.json as { title?: string; version?: number };
      if (movie.title !== `Smoke test ${token}` || movie.version !== version)
        throw new StepFailed(`GET /movies/${id}: got ${JSON.stringify(movie).slice(0, 200)}`);
      return `version ${version} from ${res.headers.get('x-read-source') ?? 'read model'}`;
    });
    await step('search', async () => {
      const deadline = Date.now() + (options.searchTimeoutMs ?? 60_000);
      for (let polls = 1; ; polls++) {
        const res = await call(`movies?q=${token}`);
        expectStatus(res, 200, 'GET /movies?q=');
        const items = (res.json as { items?: Array<{ id: string }> }).items ?? [];
        if (items.some((m) => m.id === id)) return `found after ${polls} poll(s)`;
        if (Date.now() > deadline)
          throw new StepFailed(
            `search for "${token}" did not find ${id} within ${options.searchTimeoutMs ?? 60_000} ms`,
          );
        await sleep(500);
      }
    });
    await step('update (If-Match)', async () => {
      const res = await call(`movies/${id}`, {
        method: 'PATCH',
        headers: { 'content-type': 'application/merge-patch+json', 'If-Match': `"${version}"` },
        body: { title: `Smoke test ${token} updated` },
      });
      expectStatus(res, 200, `PATCH /movies/${id}`);
      version = (res.json as { version: number }).version;
      const read = await call(`movies/${id}`, { headers: { 'X-Min-Version': String(version) } });
      expectStatus(read, 200, `GET /movies/${id}`);
      if ((read.json as { title?: string }).title !== `Smoke test ${token} updated`)
        throw new StepFailed('the update is not visible with X-Min-Version');
      return `version ${version}`;
    });
    await step('delete (If-Match)', async () => {
      const res = await call(`movies/${id}`, { method: 'DELETE', headers: { 'If-Match': `"${version}"` } });
      expectStatus(res, 204, `DELETE /movies/${id}`);
      deleted = true;
      version += 1;
      return `version ${version}`;
    });
    await step('read after delete (404)', async () => {
      const res = await call(`movies/${id}`, { headers: { 'X-Min-Version': String(version) } });
      expectStatus(res, 404, `GET /movies/${id} after delete`);
      return 'not found';
    });
  } catch (error) {
    if (!(error instanceof StepFailed)) throw error;
  } finally {
    if (id && !deleted) {
      await step('clean up', async () => {
        const current = await call(`movies/${id}`, { headers: { 'X-Min-Version': String(version) } });
        const etag = current.headers.get('etag');
        if (current.status === 404 || !etag) return 'nothing to remove';
        const res = await call(`movies/${id}`, { method: 'DELETE', headers: { 'If-Match': etag } });
        expectStatus(res, 204, `DELETE /movies/${id}`);
        return `removed ${id}`;
      }).catch(() => undefined);
    }
  }
  return { ok: steps.every((s) => s.ok), steps };
}

export function formatStep(step: SmokeStep): string {
  return `${step.ok ? 'ok  ' : 'FAIL'} ${step.name.padEnd(28)} ${String(step.ms).padStart(6)} ms  ${step.detail}`;
}

async function main(): Promise<number> {
  const baseUrl = catalogUrl();
  const key = argValue('key') ?? process.env.FUNCTION_KEY;
  console.log(`smoke ${baseUrl}`);
  const { ok } = await runSmoke({
    baseUrl,
    key,
    searchTimeoutMs: intArg('search-timeout', 60, 1) * 1000,
    onStep: (s) => console.log(formatStep(s)),
  });
  console.log(ok ? 'smoke passed' : 'smoke FAILED');
  return ok ? 0 : 1;
}

if (require.main === module) runMain(main);

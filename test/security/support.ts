/**
 * Shared by the security suites: the HTTP functions of the registry, one valid request per function
 * (the baseline every hostile case mutates in exactly one way), a write-store snapshot, the problem
 * document check, and a fetch that can send what `host.api` cannot (streams, no key, odd bytes).
 */
import fc from 'fast-check';
import { expect } from 'vitest';
import { functions } from '../../functions/all';
import { compileRoute } from '../../shared/local/router';
import type { HttpFunctionDefinition } from '../../shared/registry';
import { FUNCTION_KEY, MASTER_KEY, readResponse, type ApiResponse, type TestHost } from '../support/host';

/** The registry's HTTP functions; fast-check prints each as its name in a counterexample. */
export const httpFunctions: readonly HttpFunctionDefinition[] = functions
  .filter((f): f is HttpFunctionDefinition => f.kind === 'http')
  .map((def) => Object.assign(Object.create(def) as HttpFunctionDefinition, { [fc.toStringMethod]: () => def.name }));

/** 'function' = the host key, 'master' = the master key, 'none' = no key, anything else = sent as is. */
export type KeyChoice = 'function' | 'master' | 'none' | (string & {});

export interface Req {
  readonly method: string;
  /** Below /api/, query string included, already encoded. */
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string | Uint8Array;
  /** Send the body as a stream (chunked, no Content-Length). */
  readonly stream?: boolean;
  readonly key?: KeyChoice;
}

export type Res = ApiResponse;

/** Every response the suites saw: the secret checks look at them all. */
export const seenResponses: Res[] = [];

export async function send(host: TestHost, req: Req): Promise<Res> {
  const headers: Record<string, string> = { ...req.headers };
  const key = req.key ?? 'function';
  if (key !== 'none')
    headers['x-functions-key'] = key === 'function' ? FUNCTION_KEY : key === 'master' ? MASTER_KEY : key;
  let body: Uint8Array | ReadableStream<Uint8Array> | undefined;
  if (req.body !== undefined) {
    const bytes = typeof req.body === 'string' ? new TextEncoder().encode(req.body) : req.body;
    body = req.stream
      ? new ReadableStream<Uint8Array>({
          start(controller) {
            for (let i = 0; i < bytes.length; i += 16 * 1024) controller.enqueue(bytes.slice(i, i + 16 * 1024));
            controller.close();
          },
        })
      : bytes;
  }
  const response = await fetch(`${host.url}/api/${req.path}`, {
    method: req.method,
    headers,
    body,
    ...(req.stream ? { duplex: 'half' } : {}),
  });
  const res: Res = await readResponse(response);
  seenResponses.push(res);
  return res;
}

/** The key a function needs: the master key for admin functions, the host key otherwise. */
export function keyFor(def: HttpFunctionDefinition): KeyChoice {
  return def.authLevel === 'admin' ? 'master' : 'function';
}

export interface Seed {
  readonly id: string;
  readonly version: number;
}

export interface Baseline extends Req {
  /** The status this request gets with the right key. */
  readonly ok: number;
  /** Whether it appends to the write store when it succeeds. */
  readonly writes: boolean;
}

let fresh = 0;
/** A valid movie id no one has used. */
export function freshId(prefix = 'fresh'): string {
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${(fresh++).toString(36)}`;
}

const JSON_TYPE = { 'content-type': 'application/json' };

/**
 * One valid request per HTTP function: each hostile case changes exactly one thing in it, so the
 * thing changed is the reason for the answer. `seed` is a live movie at `seed.version`.
 */
export function baselines(seed: Seed): Record<string, Baseline> {
  const ifMatch = { 'if-match': `"${seed.version}"` };
  return {
    createMovie: {
      method: 'POST',
      path: 'movies',
      headers: JSON_TYPE,
      body: '{"title":"Baseline create"}',
      ok: 201,
      writes: true,
    },
    putMovie: {
      method: 'PUT',
      path: `movies/${freshId('put')}`,
      headers: { ...JSON_TYPE, 'if-none-match': '*' },
      body: '{"title":"Baseline put"}',
      ok: 201,
      writes: true,
    },
    patchMovie: {
      method: 'PATCH',
      path: `movies/${seed.id}`,
      headers: { 'content-type': 'application/merge-patch+json', ...ifMatch },
      body: '{"title":"Baseline patch"}',
      ok: 200,
      writes: true,
    },
    deleteMovie: { method: 'DELETE', path: `movies/${seed.id}`, headers: ifMatch, ok: 204, writes: true },
    movieHistory: { method: 'GET', path: `movies/${seed.id}/history`, ok: 200, writes: false },
    getMovie: { method: 'GET', path: `movies/${seed.id}`, ok: 200, writes: false },
    searchMovies: { method: 'GET', path: 'movies', ok: 200, writes: false },
    suggest: { method: 'GET', path: 'suggest?q=baseline', ok: 200, writes: false },
    health: { method: 'GET', path: 'health', ok: 200, writes: false },
    openapi: { method: 'GET', path: 'openapi.json', ok: 200, writes: false },
    deadLetters: { method: 'GET', path: 'ops/dead-letters', ok: 200, writes: false, key: 'master' },
    redrive: {
      method: 'POST',
      path: 'ops/dead-letters/redrive',
      headers: JSON_TYPE,
      body: '{"names":[]}',
      ok: 202,
      writes: false,
      key: 'master',
    },
    verify: { method: 'POST', path: 'ops/verify', ok: 202, writes: false, key: 'master' },
    rebuild: { method: 'POST', path: 'ops/rebuild', ok: 202, writes: false, key: 'master' },
    getJob: { method: 'GET', path: 'ops/jobs/no-such-job', ok: 404, writes: false, key: 'master' },
    // pages (issue 17)
    docsPage: { method: 'GET', path: 'docs', ok: 200, writes: false },
    catalogPage: { method: 'GET', path: 'catalog', ok: 200, writes: false },
    webAsset: { method: 'GET', path: 'web/catalog.js', ok: 200, writes: false },
  };
}

/** The baseline of `def`; fails (naming the function) when a new endpoint has none yet. */
export function baselineOf(def: HttpFunctionDefinition, seed: Seed): Baseline {
  const baseline = baselines(seed)[def.name];
  if (!baseline)
    throw new Error(`no baseline request for HTTP function ${def.name}: add one to test/security/support.ts`);
  return { key: keyFor(def), ...baseline };
}

/** True when `req` is served by `def` (route and method), so a baseline cannot drift from its endpoint. */
export function servedBy(def: HttpFunctionDefinition, req: Req): boolean {
  const pathname = new URL(`http://x/api/${req.path}`).pathname;
  return compileRoute(def).pattern.test(pathname) && def.methods.includes(req.method as never);
}

/** `def.route` with its `{id}` replaced by an already-encoded path segment. */
export function routeWith(def: HttpFunctionDefinition, segment: string): string {
  return def.route.replace(/\{[A-Za-z_][A-Za-z0-9_]*\??\}/g, segment);
}

export interface Snapshot {
  /** `<movieId>@<version>` of every movie's newest version, sorted. */
  readonly latest: string[];
  /** Every version of the seeded movie, newest first. */
  readonly seedHistory: unknown[];
}

export async function snapshot(host: TestHost, seed: Seed): Promise<Snapshot> {
  const latest: string[] = [];
  for await (const batch of host.deps.eventStore.scanLatest())
    for (const e of batch) latest.push(`${e.movieId}@${e.version}`);
  latest.sort();
  const seedHistory = (await host.deps.eventStore.history(seed.id, { limit: 1000 })).map((e) => ({
    id: e.id,
    type: e.type,
    state: e.state,
  }));
  return { latest, seedHistory };
}

/** Every 4xx is an RFC 9457 problem whose `status` is the HTTP status. */
export function expectProblem(res: Res, status?: number | readonly number[], context = ''): void {
  const where = `${context} -> ${res.status} ${res.text.slice(0, 300)}`;
  expect(res.status, where).toBeGreaterThanOrEqual(400);
  expect(res.status, where).toBeLessThan(500);
  if (status !== undefined) expect(typeof status === 'number' ? [status] : status, where).toContain(res.status);
  expect(res.headers.get('content-type'), where).toMatch(/^application\/problem\+json\b/);
  expect(res.json, where).toMatchObject({
    type: expect.any(String),
    title: expect.any(String),
    status: res.status,
    detail: expect.any(String),
  });
}

/** Keys of Object.prototype and friends: a request must never add to them. */
export function prototypeFingerprint(): string {
  const probe = {} as Record<string, unknown>;
  return JSON.stringify({
    object: Object.getOwnPropertyNames(Object.prototype).sort(),
    array: Object.getOwnPropertyNames(Array.prototype).sort(),
    fn: Object.getOwnPropertyNames(Function.prototype).sort(),
    polluted: ['polluted', 'isAdmin', 'admin', 'title'].map((k) => k in probe),
  });
}

/** Header values travel as bytes: a string's UTF-8 bytes, each as one latin1 character. */
export function utf8Header(value: string): string {
  return Buffer.from(value, 'utf8').toString('latin1');
}

/**
 * Percent-encodes a path segment. Lone surrogates, which encodeURIComponent refuses, are sent as their
 * WTF-8 bytes (%ED%A0%80…), which is what a sloppy client would put on the wire.
 */
export function encodeSegment(value: string): string {
  let out = '';
  for (const ch of value) {
    const code = ch.codePointAt(0)!;
    if (code >= 0xd800 && code <= 0xdfff) {
      out += [0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f)]
        .map((b) => `%${b.toString(16).toUpperCase()}`)
        .join('');
    } else out += encodeURIComponent(ch);
  }
  return out;
}

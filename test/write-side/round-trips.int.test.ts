/**
 * Round trips per command, counted at the wire: every request the real @azure/cosmos SDK sends goes
 * through a counting proxy in front of the embedded Cosmos server, and every publish of the real
 * @azure/eventgrid client reaches a counting topic endpoint. The commands run through their function
 * handlers on the dependencies the composition root builds from settings, as in Azure.
 */
import { request as httpRequest, createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createMemoryCache } from '../../shared/adapters/memory-cache';
import { createMemoryDeadLetterStore } from '../../shared/adapters/memory-dead-letters';
import { createDeps, type Composition } from '../../shared/composition';
import { loadConfig } from '../../shared/config';
import { startEmbeddedCosmos, type EmbeddedCosmos } from '../../shared/local/cosmos';
import type { CloudEventEnvelope, Deps } from '../../shared/ports';
import { createEmbeddedReadStore } from '../../shared/read-model/embedded';
import { createMovie } from '../../functions/create-movie';
import { putMovie } from '../../functions/put-movie';
import { patchMovie } from '../../functions/patch-movie';
import { deleteMovie } from '../../functions/delete-movie';
import { call, capturedLogger, type Answer } from '../support/memory';
import type { HttpFunctionDefinition } from '../../shared/registry';

const TOPIC_KEY = 'round-trip-topic-key';

/** What one Cosmos request was: a point operation on a document, a query, or anything else (path). */
function cosmosRequestKind(req: IncomingMessage, status: number): string {
  const path = new URL(req.url ?? '/', 'http://proxy').pathname;
  let kind: string;
  if (/\/docs\/[^/]+$/.test(path)) {
    kind =
      ({ GET: 'read', PUT: 'replace', PATCH: 'patch', DELETE: 'delete' } as Record<string, string>)[req.method ?? ''] ??
      `${req.method} doc`;
  } else if (/\/docs$/.test(path) && req.method === 'POST') {
    const header = (name: string) => String(req.headers[name]).toLowerCase() === 'true';
    kind = header('x-ms-cosmos-is-query-plan-request')
      ? 'query plan'
      : header('x-ms-documentdb-isquery')
        ? 'query'
        : 'create';
  } else {
    kind = `${req.method} ${path}`;
  }
  return status >= 200 && status < 300 ? kind : `${kind} ${status}`;
}

/** A transparent HTTP proxy that records every request it forwards. */
async function countingProxy(target: string): Promise<{ endpoint: string; seen: string[]; close(): Promise<void> }> {
  const seen: string[] = [];
  const upstream = new URL(target);
  const server: Server = createServer((req, res) => {
    const forward = httpRequest(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        seen.push(cosmosRequestKind(req, answer.statusCode ?? 0));
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on('error', (error) => res.destroy(error));
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A wire-level topic endpoint (aeg-sas-key checked, CloudEvents batch) that counts publish requests. */
async function countingTopic(): Promise<{
  endpoint: string;
  publishes: CloudEventEnvelope[][];
  close(): Promise<void>;
}> {
  const publishes: CloudEventEnvelope[][] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.headers['aeg-sas-key'] !== TOPIC_KEY) return void res.writeHead(401).end();
      publishes.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as CloudEventEnvelope[]);
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/events`,
    publishes,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const counts = (kinds: readonly string[]) => {
  const out: Record<string, number> = {};
  for (const k of kinds) out[k] = (out[k] ?? 0) + 1;
  return out;
};

let cosmos: EmbeddedCosmos;
let proxy: Awaited<ReturnType<typeof countingProxy>>;
let topic: Awaited<ReturnType<typeof countingTopic>>;
let composition: Composition;
let deps: Deps;

beforeAll(async () => {
  cosmos = await startEmbeddedCosmos();
  proxy = await countingProxy(cosmos.endpoint);
  topic = await countingTopic();
  const config = loadConfig({
    COSMOS_ENDPOINT: proxy.endpoint,
    COSMOS_KEY: cosmos.key,
    COSMOS_DATABASE: 'catalog',
    COSMOS_CONTAINER: 'round-trips',
    EVENTGRID_TOPIC_ENDPOINT: topic.endpoint,
    EVENTGRID_TOPIC_KEY: TOPIC_KEY,
  });
  composition = await createDeps(config, {
    mode: 'local',
    logger: capturedLogger(),
    embedded: { cosmos: true },
    overrides: {
      readStore: createEmbeddedReadStore(),
      cache: createMemoryCache(),
      deadLetters: createMemoryDeadLetterStore(),
    },
  });
  deps = composition.deps;
  // Warm the SDK's metadata caches (account, container, partition key ranges) as a running app has them.
  expect((await send(createMovie, 'POST', '/api/movies', {}, { title: 'Warm-up' })).status).toBe(201);
});

afterAll(async () => {
  await composition?.close();
  await proxy?.close();
  await topic?.close();
  await cosmos?.close();
});

beforeEach(() => {
  proxy.seen.length = 0;
  topic.publishes.length = 0;
});

async function send(
  definition: HttpFunctionDefinition,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: unknown,
): Promise<Answer> {
  const id = /^\/api\/movies\/([^/]+)$/.exec(path)?.[1];
  return call(definition, deps, {
    method,
    url: `http://localhost${path}`,
    ...(id === undefined ? {} : { params: { id } }),
    headers: {
      ...(body === undefined
        ? {}
        : { 'content-type': method === 'PATCH' ? 'application/merge-patch+json' : 'application/json' }),
      ...headers,
    },
    ...(body === undefined ? {} : { body: { string: JSON.stringify(body) } }),
  });
}

/** What the command cost on the wire; then resets the counters. */
function wire(): { cosmos: Record<string, number>; publishes: number; events: number } {
  const out = { cosmos: counts(proxy.seen), publishes: topic.publishes.length, events: topic.publishes.flat().length };
  proxy.seen.length = 0;
  topic.publishes.length = 0;
  return out;
}

async function created(title: string): Promise<string> {
  const answer = await send(createMovie, 'POST', '/api/movies', {}, { title });
  expect(answer.status).toBe(201);
  wire();
  return (answer.body as { id: string }).id;
}

describe('Cosmos and topic round trips per command', () => {
  it('create without an Idempotency-Key: 1 write, 1 patch (mark dispatched), 1 publish', async () => {
    const answer = await send(createMovie, 'POST', '/api/movies', {}, { title: 'Alien' });
    expect(answer.status).toBe(201);
    expect(wire()).toEqual({ cosmos: { create: 1, patch: 1 }, publishes: 1, events: 1 });
    const id = (answer.body as { id: string }).id;
    expect(await deps.eventStore.get(id, 1)).toMatchObject({ version: 1, dispatched: true, state: { title: 'Alien' } });
  });

  it('create with a client-chosen id (PUT, If-None-Match: *): 1 write, 1 patch, 1 publish; on an existing id the write collides, then it reads', async () => {
    const id = `round-trip-${Date.now()}`;
    expect(
      (await send(putMovie, 'PUT', `/api/movies/${id}`, { 'if-none-match': '*' }, { title: 'Aliens' })).status,
    ).toBe(201);
    expect(wire()).toEqual({ cosmos: { create: 1, patch: 1 }, publishes: 1, events: 1 });
    expect(
      (await send(putMovie, 'PUT', `/api/movies/${id}`, { 'if-none-match': '*' }, { title: 'Aliens' })).status,
    ).toBe(412);
    expect(wire()).toEqual({
      cosmos: { 'create 409': 1, read: 1, 'query plan': 1, query: 1 },
      publishes: 0,
      events: 0,
    });
  });

  it('create with an Idempotency-Key: 1 point read (404), 1 write, 1 patch, 1 publish; its retry: 1 point read, nothing written or published', async () => {
    const key = `round-trip-key-${Date.now()}`;
    const first = await send(createMovie, 'POST', '/api/movies', { 'idempotency-key': key }, { title: 'Alien 3' });
    expect(first.status).toBe(201);
    expect(wire()).toEqual({ cosmos: { 'read 404': 1, create: 1, patch: 1 }, publishes: 1, events: 1 });
    const retry = await send(createMovie, 'POST', '/api/movies', { 'idempotency-key': key }, { title: 'Alien 3' });
    expect([retry.status, retry.headers['idempotent-replayed']]).toEqual([201, 'true']);
    expect(wire()).toEqual({ cosmos: { read: 1 }, publishes: 0, events: 0 });
  });

  it('update with the current If-Match (PUT, PATCH, DELETE): 2 point reads (one finds nothing), 1 write, 1 patch, 1 publish', async () => {
    const id = await created('Prometheus');
    expect(
      (
        await send(
          putMovie,
          'PUT',
          `/api/movies/${id}`,
          { 'if-match': '"1"' },
          { title: 'Prometheus', runtimeMinutes: 124 },
        )
      ).status,
    ).toBe(200);
    expect(wire()).toEqual({ cosmos: { read: 1, 'read 404': 1, create: 1, patch: 1 }, publishes: 1, events: 1 });
    expect(
      (await send(patchMovie, 'PATCH', `/api/movies/${id}`, { 'if-match': '"2"' }, { imdbRating: 7 })).status,
    ).toBe(200);
    expect(wire()).toEqual({ cosmos: { read: 1, 'read 404': 1, create: 1, patch: 1 }, publishes: 1, events: 1 });
    expect((await send(deleteMovie, 'DELETE', `/api/movies/${id}`, { 'if-match': '"3"' })).status).toBe(204);
    expect(wire()).toEqual({ cosmos: { read: 1, 'read 404': 1, create: 1, patch: 1 }, publishes: 1, events: 1 });
    expect((await deps.eventStore.history(id, { limit: 10 })).map((e) => [e.version, e.dispatched])).toEqual([
      [4, true],
      [3, true],
      [2, true],
      [1, true],
    ]);
  });

  it('update with a stale If-Match: 2 point reads and the newest-version query (with its query plan), nothing written or published (412)', async () => {
    const id = await created('Covenant');
    expect(
      (await send(patchMovie, 'PATCH', `/api/movies/${id}`, { 'if-match': '"1"' }, { imdbRating: 6 })).status,
    ).toBe(200);
    wire();
    expect(
      (await send(patchMovie, 'PATCH', `/api/movies/${id}`, { 'if-match': '"1"' }, { imdbRating: 5 })).status,
    ).toBe(412);
    expect(wire()).toEqual({ cosmos: { read: 2, 'query plan': 1, query: 1 }, publishes: 0, events: 0 });
  });

  it('an unchanged update (same fields): 2 point reads, nothing written or published', async () => {
    const id = await created('Alien: Romulus');
    expect(
      (await send(putMovie, 'PUT', `/api/movies/${id}`, { 'if-match': '"1"' }, { title: 'Alien: Romulus' })).status,
    ).toBe(200);
    expect(wire()).toEqual({ cosmos: { read: 1, 'read 404': 1 }, publishes: 0, events: 0 });
  });
});

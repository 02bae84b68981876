/**
 * Access control through the local host over real HTTP. Every command and admin function refuses a
 * request without a key, with a wrong key, or with another function's key (401 problem, nothing written);
 * admin functions take the master key only; the local Event Grid topic refuses a publish without the
 * right aeg-sas-key (nothing delivered); query functions are anonymous by default (query-auth.e2e.test.ts
 * covers QUERY_AUTH_LEVEL=function). After all of it, no secret appears in the captured logs, in any
 * response (problems included), in /api/health or in the OpenAPI document.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HttpFunctionDefinition } from '../../shared/registry';
import { topology } from '../../shared/topology';
import { FUNCTION_KEY, MASTER_KEY, TOPIC_KEY, startTestHost, type TestHost } from '../support/host';
import {
  baselineOf,
  expectProblem,
  httpFunctions,
  seenResponses,
  send,
  snapshot,
  type Req,
  type Seed,
  type Snapshot,
} from './support';

let host: TestHost;
let seed: Seed;
beforeAll(async () => {
  host = await startTestHost();
  const created = await host.api('movies', { method: 'POST', body: { title: 'Guarded' } });
  expect(created.status).toBe(201);
  seed = { id: created.json.id as string, version: created.json.version as number };
  await host.settle();
});
afterAll(async () => {
  await host?.stop();
});

const protectedFunctions = httpFunctions.filter((d) => d.authLevel !== 'anonymous');
const adminFunctions = httpFunctions.filter((d) => d.authLevel === 'admin');
const queryFunctions = httpFunctions.filter((d) => d.tags.includes('queries'));

/** Everything a refused request must leave alone: write store, topic, dead letters. */
async function state(): Promise<{ store: Snapshot; published: number; deliveries: number; deadLetters: number }> {
  return {
    store: await snapshot(host, seed),
    published: host.topic.stats.published,
    deliveries: host.topic.stats.deliveries,
    deadLetters: (await host.deps.deadLetters.list()).length,
  };
}

/** The function's baseline request with `key` instead of its own key (and the key in `code` when asked). */
function withKey(def: HttpFunctionDefinition, key: string, via: 'header' | 'code' = 'header'): Req {
  const base = baselineOf(def, seed);
  if (via === 'header') return { ...base, key };
  return {
    ...base,
    key: 'none',
    path: `${base.path}${base.path.includes('?') ? '&' : '?'}code=${encodeURIComponent(key)}`,
  };
}

/** Keys of the other function-level functions, valid only for them. */
function otherFunctionKeys(def: HttpFunctionDefinition): Array<[string, string]> {
  return Object.entries(host.keys.functions).filter(([name]) => name !== def.name);
}

describe('function keys', () => {
  it('the registry has command, admin and query functions to protect', () => {
    expect(protectedFunctions.map((d) => d.name)).toEqual(
      expect.arrayContaining(['createMovie', 'putMovie', 'patchMovie', 'deleteMovie', 'redrive', 'rebuild']),
    );
    expect(adminFunctions.map((d) => d.name)).toEqual(
      expect.arrayContaining(['deadLetters', 'redrive', 'verify', 'rebuild']),
    );
    expect(Object.keys(host.keys.functions).sort()).toEqual(
      httpFunctions
        .filter((d) => d.authLevel === 'function')
        .map((d) => d.name)
        .sort(),
    );
  });

  it('every command and admin function refuses no key, an empty key, a wrong key and another function’s key: 401 problem, nothing written', async () => {
    const before = await state();
    for (const def of protectedFunctions) {
      const wrong: Array<[string, Req]> = [
        ['no key', { ...baselineOf(def, seed), key: 'none' }],
        ['empty key', withKey(def, '')],
        ['wrong key', withKey(def, 'wrong-key')],
        ['host key upper-cased', withKey(def, FUNCTION_KEY.toUpperCase())],
        ['host key truncated', withKey(def, FUNCTION_KEY.slice(0, -1))],
        ['host key extended', withKey(def, `${FUNCTION_KEY}0`)],
        ['topic key', withKey(def, TOPIC_KEY)],
        ['wrong key in code', withKey(def, 'wrong-key', 'code')],
        ...otherFunctionKeys(def).map(([name, key]): [string, Req] => [`${name}'s key`, withKey(def, key)]),
        ...otherFunctionKeys(def).map(([name, key]): [string, Req] => [
          `${name}'s key in code`,
          withKey(def, key, 'code'),
        ]),
      ];
      for (const [label, req] of wrong) expectProblem(await send(host, req), 401, `${def.name} with ${label}`);
    }
    expect(await state()).toEqual(before);
  });

  it('random keys are refused by every protected function (property)', async () => {
    const before = await state();
    const valid = new Set([FUNCTION_KEY, MASTER_KEY, ...Object.values(host.keys.functions)]);
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...protectedFunctions),
        fc.string({
          unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)),
          minLength: 1,
          maxLength: 80,
        }),
        fc.constantFrom('header' as const, 'code' as const),
        async (def, key, via) => {
          fc.pre(!valid.has(key));
          expectProblem(
            await send(host, withKey(def, key, via)),
            401,
            `${def.name} with ${JSON.stringify(key)} in ${via}`,
          );
        },
      ),
      { numRuns: 60 },
    );
    expect(await state()).toEqual(before);
  });

  it('admin functions refuse the host key and every per-function key: the master key only', async () => {
    const before = await state();
    for (const def of adminFunctions) {
      expectProblem(await send(host, withKey(def, FUNCTION_KEY)), 401, `${def.name} with the host key`);
      expectProblem(await send(host, withKey(def, FUNCTION_KEY, 'code')), 401, `${def.name} with the host key in code`);
      for (const [name, key] of Object.entries(host.keys.functions))
        expectProblem(await send(host, withKey(def, key)), 401, `${def.name} with ${name}'s key`);
    }
    expect(await state()).toEqual(before);
  });

  it('control: each protected function accepts its own key, the host key (function level) and the master key', async () => {
    for (const def of protectedFunctions.filter((d) => !baselineOf(d, seed).writes)) {
      const base = baselineOf(def, seed);
      expect((await send(host, { ...base, key: 'master' })).status, `${def.name} with the master key`).toBe(base.ok);
      if (def.authLevel === 'function') {
        expect(
          (await send(host, { ...base, key: host.keys.functions[def.name]! })).status,
          `${def.name} with its own key`,
        ).toBe(base.ok);
        expect((await send(host, { ...base, key: FUNCTION_KEY })).status, `${def.name} with the host key`).toBe(
          base.ok,
        );
      }
    }
    // the writing ones, each once with its own per-function key (delete last: it removes the seed)
    let version = seed.version;
    for (const name of ['createMovie', 'putMovie', 'patchMovie', 'deleteMovie']) {
      const def = httpFunctions.find((d) => d.name === name)!;
      const base = baselineOf(def, { id: seed.id, version });
      const res = await send(host, { ...base, key: host.keys.functions[name]! });
      expect(res.status, `${name}: ${res.text}`).toBe(base.ok);
      if (name === 'patchMovie') version = res.json.version as number;
    }
    seed = (await host.api('movies', { method: 'POST', body: { title: 'Guarded again' } })).json as Seed;
  });

  it('every function-level function takes its key in the `code` query parameter too (the documented functionKeyQuery scheme)', async () => {
    const doc = (await host.api('openapi.json', { key: 'none' })).json;
    expect(doc.components.securitySchemes.functionKeyQuery).toEqual({ type: 'apiKey', in: 'query', name: 'code' });
    for (const def of protectedFunctions.filter((d) => d.authLevel === 'function' && !baselineOf(d, seed).writes)) {
      const base = baselineOf(def, seed);
      const res = await send(host, withKey(def, host.keys.functions[def.name]!, 'code'));
      expect(res.status, `${def.name}?code=<its key> -> ${res.text.slice(0, 300)}`).toBe(base.ok);
    }
    const create = await send(
      host,
      withKey(
        httpFunctions.find((d) => d.name === 'createMovie')!,
        host.keys.functions.createMovie!,
        'code',
      ),
    );
    expect(create.status).toBe(201);
  });
});

describe('query functions (default auth level: anonymous)', () => {
  it('answer without a key, and a wrong key changes nothing', async () => {
    expect(queryFunctions.map((d) => d.name).sort()).toEqual(['getMovie', 'searchMovies', 'suggest']);
    for (const def of queryFunctions) {
      expect(def.authLevel).toBe('anonymous');
      const base = baselineOf(def, seed);
      expect((await send(host, { ...base, key: 'none' })).status, def.name).toBe(200);
      expect((await send(host, { ...base, key: 'wrong-key' })).status, def.name).toBe(200);
    }
    const doc = (await host.api('openapi.json', { key: 'none' })).json;
    expect(doc.paths['/api/movies'].get.security).toEqual([]);
    expect(doc.paths['/api/movies/{id}'].get.security).toEqual([]);
    expect(doc.paths['/api/movies'].post.security).not.toEqual([]);
  });
});

describe('the local Event Grid topic', () => {
  const event = (id: string) => ({
    specversion: '1.0',
    id: `${id}:1`,
    source: topology.source,
    type: topology.subscriptions[0]!.includedEventTypes[0]!,
    subject: `movies/${id}`,
    time: new Date().toISOString(),
    datacontenttype: 'application/json',
    data: {
      type: 'MovieCreated',
      state: {
        id,
        version: 1,
        title: 'Smuggled',
        createdAt: new Date().toISOString(),
        updatedAt: new Date().toISOString(),
      },
      changed: ['title'],
      metadata: { movieId: id, version: 1, occurredAt: new Date().toISOString(), correlationId: 'c' },
    },
  });
  const publish = (key: string | undefined, id: string) =>
    fetch(host.topicEndpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/cloudevents-batch+json; charset=utf-8',
        ...(key === undefined ? {} : { 'aeg-sas-key': key }),
      },
      body: JSON.stringify([event(id)]),
    });

  it('refuses a publish without or with a wrong aeg-sas-key: 401 problem, nothing published or delivered', async () => {
    await host.settle();
    const before = { ...host.topic.stats };
    const attempts: Array<[string, string | undefined]> = [
      ['no key', undefined],
      ['empty key', ''],
      ['wrong key', 'wrong'],
      ['the function key', FUNCTION_KEY],
      ['the master key', MASTER_KEY],
      ['the topic key upper-cased', TOPIC_KEY.toUpperCase()],
      ['the topic key truncated', TOPIC_KEY.slice(0, -1)],
      ['the topic key extended', `${TOPIC_KEY}x`],
    ];
    for (const [label, key] of attempts) {
      const res = await publish(key, `smuggled-${label.replace(/\W+/g, '-')}`);
      const text = await res.text();
      seenResponses.push({ status: res.status, headers: res.headers, text, json: JSON.parse(text) });
      expect(res.status, label).toBe(401);
      expect(res.headers.get('content-type'), label).toMatch(/^application\/problem\+json\b/);
      expect(JSON.parse(text), label).toMatchObject({
        status: 401,
        title: expect.any(String),
        detail: expect.any(String),
        type: expect.any(String),
      });
    }
    await host.settle();
    expect(host.topic.stats).toEqual(before);
    for (const [label] of attempts)
      expect(await host.deps.readStore.get(`smuggled-${label.replace(/\W+/g, '-')}`), label).toBeNull();
  });

  it('control: the right aeg-sas-key is accepted and delivered', async () => {
    const before = host.topic.stats.published;
    const res = await publish(TOPIC_KEY, 'published-ok');
    expect(res.status).toBe(200);
    await host.settle();
    expect(host.topic.stats.published).toBe(before + 1);
    expect(await host.deps.readStore.get('published-ok')).toMatchObject({ kind: 'movie' });
  });
});

describe('secrets', () => {
  it('no key appears in captured logs, any response seen, /api/health or the OpenAPI document', async () => {
    // a few more failing requests that carry secrets where they do not belong
    await send(host, { method: 'GET', path: `nope?code=${encodeURIComponent(MASTER_KEY)}`, key: 'none' });
    await send(host, {
      method: 'POST',
      path: 'movies',
      key: TOPIC_KEY,
      headers: { 'content-type': 'application/json' },
      body: '{"title":"x"}',
    });
    await send(host, {
      method: 'POST',
      path: 'movies',
      key: 'function',
      headers: { 'content-type': 'text/plain' },
      body: 'nope',
    });
    await send(host, {
      method: 'DELETE',
      path: `movies/${seed.id}`,
      key: host.keys.functions.deleteMovie!,
      headers: { 'if-match': '"99"' },
    });
    await send(host, { method: 'POST', path: 'ops/verify', key: FUNCTION_KEY });
    const health = await send(host, { method: 'GET', path: 'health', key: 'none' });
    const healthWithMaster = await send(host, { method: 'GET', path: 'health', key: 'master' });
    const openapi = await send(host, { method: 'GET', path: 'openapi.json', key: 'none' });
    expect(health.status).toBe(200);
    expect(healthWithMaster.status).toBe(200);
    expect(openapi.status).toBe(200);

    const secrets = new Map<string, string>([
      ['host key', host.keys.host],
      ['master key', host.keys.master],
      ['topic key', host.keys.topic],
      ['FUNCTION_KEY', FUNCTION_KEY],
      ['MASTER_KEY', MASTER_KEY],
      ['TOPIC_KEY', TOPIC_KEY],
      ...Object.entries(host.keys.functions).map(([name, key]): [string, string] => [`${name} key`, key]),
    ]);
    const places: Array<[string, string]> = [
      ['logs', host.logger.lines.join('\n')],
      ['health', health.text + healthWithMaster.text],
      ['openapi', openapi.text],
      ...seenResponses.map((r, i): [string, string] => [
        `response ${i} (${r.status})`,
        `${[...r.headers].map(([k, v]) => `${k}: ${v}`).join('\n')}\n${r.text}`,
      ]),
    ];
    expect(seenResponses.length).toBeGreaterThan(100);
    const leaks: string[] = [];
    for (const [place, text] of places)
      for (const [name, secret] of secrets) if (text.includes(secret)) leaks.push(`${name} in ${place}`);
    expect(leaks).toEqual([]);
  });
});

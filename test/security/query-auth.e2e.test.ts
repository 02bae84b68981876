/**
 * QUERY_AUTH_LEVEL=function: the query endpoints need a key. Their auth level is fixed when the function
 * modules load (the registration settings of shared/config.ts, read once from process.env, as the Azure
 * host fixes auth levels at load), so this file sets the variable BEFORE anything imports functions/ —
 * every such import below is dynamic.
 * Vitest loads each test file in its own module graph, so the other suites keep the default.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestHost } from '../support/host';
import type * as SupportModule from './support';

const previous = process.env.QUERY_AUTH_LEVEL;
process.env.QUERY_AUTH_LEVEL = 'function';

let host: TestHost;
let support: typeof SupportModule;
let keys: { FUNCTION_KEY: string; MASTER_KEY: string };
let seedId: string;

beforeAll(async () => {
  const hostModule = await import('../support/host.js');
  support = await import('./support.js');
  keys = { FUNCTION_KEY: hostModule.FUNCTION_KEY, MASTER_KEY: hostModule.MASTER_KEY };
  host = await hostModule.startTestHost({ env: { QUERY_AUTH_LEVEL: 'function' } });
  const created = await host.api('movies', { method: 'POST', body: { title: 'Behind a key' } });
  expect(created.status).toBe(201);
  seedId = created.json.id as string;
  await host.settle();
});
afterAll(async () => {
  await host?.stop();
  if (previous === undefined) delete process.env.QUERY_AUTH_LEVEL;
  else process.env.QUERY_AUTH_LEVEL = previous;
});

describe('query endpoints with QUERY_AUTH_LEVEL=function', () => {
  const queries = () => support.httpFunctions.filter((d) => d.tags.includes('queries'));
  const pathOf = (name: string) => {
    const paths: Record<string, string> = {
      getMovie: `movies/${seedId}`,
      searchMovies: 'movies?limit=5',
      suggest: 'suggest?q=key',
    };
    const path = paths[name];
    if (!path) throw new Error(`no request for query function ${name}`);
    return path;
  };

  it('are registered at function level, get per-function keys, and are documented as secured', async () => {
    expect(queries().map((d) => [d.name, d.authLevel])).toEqual(
      expect.arrayContaining([
        ['getMovie', 'function'],
        ['searchMovies', 'function'],
        ['suggest', 'function'],
      ]),
    );
    expect(Object.keys(host.keys.functions)).toEqual(expect.arrayContaining(['getMovie', 'searchMovies', 'suggest']));
    const doc = (await host.api('openapi.json', { key: 'none' })).json;
    expect(doc.paths['/api/movies'].get.security).not.toEqual([]);
    expect(doc.paths['/api/movies/{id}'].get.security).not.toEqual([]);
  });

  it('refuse no key, a wrong key and another function’s key (401 problem)', async () => {
    for (const def of queries()) {
      const path = pathOf(def.name);
      const refused: Array<[string, string]> = [
        ['no key', 'none'],
        ['empty key', ''],
        ['wrong key', 'wrong-key'],
        ...Object.entries(host.keys.functions)
          .filter(([name]) => name !== def.name)
          .map(([name, key]): [string, string] => [`${name}'s key`, key]),
      ];
      for (const [label, key] of refused)
        support.expectProblem(await support.send(host, { method: 'GET', path, key }), 401, `${def.name} with ${label}`);
      support.expectProblem(
        await support.send(host, {
          method: 'GET',
          path: `${path}${path.includes('?') ? '&' : '?'}code=wrong`,
          key: 'none',
        }),
        401,
        `${def.name} ?code=wrong`,
      );
    }
  });

  it('answer with their own key, the host key, the master key, or the key in `code`', async () => {
    for (const def of queries()) {
      const path = pathOf(def.name);
      for (const key of [host.keys.functions[def.name]!, keys.FUNCTION_KEY, keys.MASTER_KEY]) {
        const res = await support.send(host, { method: 'GET', path, key });
        expect(res.status, `${def.name}: ${res.text.slice(0, 200)}`).toBe(200);
      }
      const viaCode = await support.send(host, {
        method: 'GET',
        path: `${path}${path.includes('?') ? '&' : '?'}code=${encodeURIComponent(host.keys.functions[def.name]!)}`,
        key: 'none',
      });
      expect(viaCode.status, `${def.name} ?code=: ${viaCode.text.slice(0, 200)}`).toBe(200);
    }
  });

  it('health and the OpenAPI document stay anonymous, and no key leaks into them or the logs', async () => {
    const health = await host.api('health', { key: 'none' });
    const openapi = await host.api('openapi.json', { key: 'none' });
    expect(health.status).toBe(200);
    expect(openapi.status).toBe(200);
    const text = [
      health.text,
      openapi.text,
      host.logger.lines.join('\n'),
      ...support.seenResponses.map((r) => r.text),
    ].join('\n');
    for (const secret of [host.keys.host, host.keys.master, host.keys.topic, ...Object.values(host.keys.functions)])
      expect(text.includes(secret)).toBe(false);
  });
});

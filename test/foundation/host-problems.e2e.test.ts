/**
 * Problems the local host answers itself look like every other problem (they go through the one mapper,
 * toProblem): requests Node's HTTP parser rejects before any handler runs (bad bytes in a header value),
 * 401s, 404s, 405s (with Allow), 413s, the topic's refusals and the host's own failure (500) carry
 * problem+json, `instance` and the correlation header; the operations endpoints' 401 says the master key
 * is required.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { functions } from '../../functions/all';
import { loadConfig } from '../../shared/config';
import { TOPIC_PATH } from '../../shared/local/topic';
import { startLocalHost } from '../../shared/local/host';
import type { HttpFunctionDefinition } from '../../shared/registry';
import { TOPIC_KEY, captureLogger, readResponse, startTestHost, type TestHost } from '../support/host';

let host: TestHost;
beforeAll(async () => {
  host = await startTestHost();
});
afterAll(async () => {
  await host?.stop();
});

/** Sends raw bytes and returns the raw answer (the connection is closed by the server or after it). */
function rawRequest(bytes: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(host.port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('end', () => resolve(Buffer.concat(chunks).toString('latin1')));
    socket.on('error', reject);
    socket.write(bytes);
  });
}

describe('problems the host answers itself', () => {
  it('a header value with bytes HTTP does not allow (If-Match: \\xc6\\x16) gets a 400 problem+json', async () => {
    const answer = await rawRequest(
      Buffer.concat([
        Buffer.from('DELETE /api/movies/x HTTP/1.1\r\nHost: 127.0.0.1\r\nIf-Match: ', 'latin1'),
        Buffer.from([0xc6, 0x16]),
        Buffer.from('\r\nConnection: close\r\n\r\n', 'latin1'),
      ]),
    );
    const [head, body] = answer.split('\r\n\r\n');
    expect(head!.split('\r\n')[0]).toBe('HTTP/1.1 400 Malformed request');
    expect(head).toContain('Content-Type: application/problem+json');
    expect(head).toMatch(/X-Correlation-Id: [0-9a-f-]{36}/);
    const problem = JSON.parse(body!) as Record<string, unknown>;
    expect(problem).toMatchObject({
      type: 'https://movie-catalog.example/problems/bad-request',
      title: 'Malformed request',
      status: 400,
    });
    expect(problem.instance).toMatch(/^urn:correlation:[0-9a-f-]{36}$/);
    expect(problem.detail).toContain('HPE_INVALID_HEADER_TOKEN');
  });

  it('a 401 carries instance and the correlation header; the ops endpoints name the master key', async () => {
    const command = await host.api('movies', {
      method: 'POST',
      body: { title: 'x' },
      key: 'none',
      headers: { 'X-Correlation-Id': 'corr-401' },
    });
    expect(command.status).toBe(401);
    expect(command.headers.get('content-type')).toContain('application/problem+json');
    expect(command.headers.get('x-correlation-id')).toBe('corr-401');
    expect(command.json).toEqual({
      type: 'https://movie-catalog.example/problems/unauthorized',
      title: 'Unauthorized',
      status: 401,
      detail: 'A valid function key is required (x-functions-key header or code query parameter).',
      instance: 'urn:correlation:corr-401',
    });
    const ops = await host.api('ops/dead-letters', { key: 'function', headers: { 'X-Correlation-Id': 'corr-ops' } });
    expect(ops.status).toBe(401);
    expect(ops.headers.get('x-correlation-id')).toBe('corr-ops');
    expect(ops.json).toMatchObject({
      status: 401,
      detail:
        'The master key is required (x-functions-key header or code query parameter): this is an operations endpoint.',
      instance: 'urn:correlation:corr-ops',
    });
  });

  it('a 404 and a 405 (with Allow) carry instance and the correlation header', async () => {
    const missing = await host.api('nope', { headers: { 'X-Correlation-Id': 'corr-404' } });
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toBe('application/problem+json');
    expect(missing.headers.get('x-correlation-id')).toBe('corr-404');
    expect(missing.json).toEqual({
      type: 'https://movie-catalog.example/problems/not-found',
      title: 'Not found',
      status: 404,
      detail: 'No function serves /api/nope.',
      instance: 'urn:correlation:corr-404',
    });
    const method = await host.api('health', { method: 'DELETE', headers: { 'X-Correlation-Id': 'corr-405' } });
    expect(method.status).toBe(405);
    expect(method.headers.get('allow')).toBe('GET');
    expect(method.headers.get('content-type')).toBe('application/problem+json');
    expect(method.headers.get('x-correlation-id')).toBe('corr-405');
    expect(method.json).toEqual({
      type: 'https://movie-catalog.example/problems/method-not-allowed',
      title: 'Method not allowed',
      status: 405,
      detail: 'DELETE is not supported here.',
      instance: 'urn:correlation:corr-405',
    });
    // Two functions on one route (createMovie POST, searchMovies GET): Allow names the methods of both.
    const overlap = await host.api('movies', { method: 'DELETE', key: 'master' });
    expect(overlap.status).toBe(405);
    expect(overlap.headers.get('allow')).toBe('POST, GET');
    expect(overlap.headers.get('x-correlation-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(overlap.json.instance).toBe(`urn:correlation:${overlap.headers.get('x-correlation-id')}`);
  });

  it('a body over the host cap is a 413 problem with the correlation header', async () => {
    const res = await host.api('movies', {
      method: 'POST',
      rawBody: new Uint8Array(4 * 1024 * 1024 + 1),
      headers: { 'content-type': 'application/json', 'X-Correlation-Id': 'corr-413' },
    });
    expect(res.status).toBe(413);
    expect(res.headers.get('x-correlation-id')).toBe('corr-413');
    expect(res.json).toEqual({
      type: 'https://movie-catalog.example/problems/payload-too-large',
      title: 'Payload too large',
      status: 413,
      detail: 'The host accepts bodies up to 4194304 bytes.',
      instance: 'urn:correlation:corr-413',
    });
  });

  it("the topic's 405 (Allow: POST), 401, 400 and 413 are problems with the correlation header", async () => {
    const topic = (init: RequestInit) => fetch(`${host.url}${TOPIC_PATH}`, init).then(readResponse);
    const cases: Array<{
      init: { method: string; headers: Record<string, string>; body?: string };
      status: number;
      title: string;
      detail: string;
      slug: string;
    }> = [
      {
        init: { method: 'GET', headers: { 'X-Correlation-Id': 'corr-t405' } },
        status: 405,
        title: 'Method not allowed',
        detail: 'The topic accepts POST only.',
        slug: 'method-not-allowed',
      },
      {
        init: { method: 'POST', headers: { 'X-Correlation-Id': 'corr-t401', 'aeg-sas-key': 'wrong' }, body: '[]' },
        status: 401,
        title: 'Unauthorized',
        detail: 'The aeg-sas-key header is missing or wrong.',
        slug: 'unauthorized',
      },
      {
        init: { method: 'POST', headers: { 'X-Correlation-Id': 'corr-t400', 'aeg-sas-key': TOPIC_KEY }, body: '[' },
        status: 400,
        title: 'Malformed JSON',
        detail: 'The batch is not valid JSON.',
        slug: 'bad-request',
      },
      {
        init: {
          method: 'POST',
          headers: { 'X-Correlation-Id': 'corr-t413', 'aeg-sas-key': TOPIC_KEY },
          body: `[${' '.repeat(1024 * 1024)}]`,
        },
        status: 413,
        title: 'Payload too large',
        detail: 'A batch is limited to 1 MB.',
        slug: 'payload-too-large',
      },
      {
        init: { method: 'POST', headers: { 'X-Correlation-Id': 'corr-t400e', 'aeg-sas-key': TOPIC_KEY }, body: '[]' },
        status: 400,
        title: 'Invalid event',
        detail: 'empty batch',
        slug: 'bad-request',
      },
    ];
    for (const c of cases) {
      const res = await topic(c.init);
      const id = c.init.headers['X-Correlation-Id']!;
      expect(res.status, id).toBe(c.status);
      expect(res.headers.get('content-type'), id).toBe('application/problem+json');
      expect(res.headers.get('x-correlation-id'), id).toBe(id);
      if (c.status === 405) expect(res.headers.get('allow')).toBe('POST');
      expect(res.json, id).toEqual({
        type: `https://movie-catalog.example/problems/${c.slug}`,
        title: c.title,
        status: c.status,
        detail: c.detail,
        instance: `urn:correlation:${id}`,
      });
    }
  });
});

describe("the host's own failure", () => {
  it('is a 500 problem through the same mapper: correlation header, instance, no detail of the error', async () => {
    // A response the host cannot write (JSON.stringify refuses a BigInt) fails in the host, after the function.
    const unwritable: HttpFunctionDefinition = {
      kind: 'http',
      name: 'unwritable',
      route: 'unwritable',
      methods: ['GET'],
      authLevel: 'anonymous',
      summary: 'answers with a body that cannot be serialised',
      tags: [],
      responses: {},
      handler: async () => ({ status: 200, jsonBody: { secret: 10n } }),
    };
    const dir = mkdtempSync(join(tmpdir(), 'host-500-'));
    const logger = captureLogger();
    const broken = await startLocalHost({
      config: loadConfig({ PORT: '0', LOCAL_SEED: 'off', DEAD_LETTER_DIR: dir, LOCAL_TOPIC_JOURNAL_DIR: dir }),
      functions: [...functions, unwritable],
      logger,
      timers: false,
    });
    try {
      const res = await fetch(`${broken.url}/api/unwritable`, { headers: { 'X-Correlation-Id': 'corr-500' } }).then(
        readResponse,
      );
      expect(res.status).toBe(500);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      expect(res.headers.get('x-correlation-id')).toBe('corr-500');
      expect(res.json).toEqual({
        type: 'https://movie-catalog.example/problems/internal',
        title: 'Internal error',
        status: 500,
        detail: 'An unexpected error occurred; it has been logged.',
        instance: 'urn:correlation:corr-500',
      });
      expect(logger.lines.some((line) => line.startsWith('error host: TypeError') && line.includes('BigInt'))).toBe(
        true,
      );
    } finally {
      await broken.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

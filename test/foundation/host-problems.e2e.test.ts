/**
 * Problems the local host answers itself look like every other problem: requests Node's HTTP parser
 * rejects before any handler runs (bad bytes in a header value) and 401s carry problem+json,
 * `instance` and the correlation header; the operations endpoints' 401 says the master key is required.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHost, type TestHost } from '../support/host';

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
});

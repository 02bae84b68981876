/**
 * `npm run smoke` against the local host (the same host `npm start` runs) with the run's real Elasticsearch:
 * every step passes and is printed with its latency; a failing step stops the run with exit 1 and the movie
 * it made is cleaned up.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { elasticsearchUnavailableReason } from '../support/elasticsearch';
import { FUNCTION_KEY, startTestHost, type TestHost } from '../support/host';
import type { EventPublisher } from '../../shared/ports';
import { unavailable } from '../support/services';

const ROOT = path.resolve(__dirname, '..', '..');

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function smoke(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      'npx',
      ['tsx', 'scripts/smoke.ts', ...args],
      {
        cwd: ROOT,
        env: { PATH: process.env.PATH, HOME: process.env.HOME },
        timeout: 120_000,
      },
      (error, stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
      },
    );
  });
}

/** Step names and outcomes in order (latencies vary, so they are checked for shape only). */
function stepsOf(stdout: string): string[] {
  return stdout
    .split('\n')
    .filter((l) => /^(ok {2}|FAIL) /.test(l))
    .map((line) => {
      const match = /^(ok {2}|FAIL) (.{28}) +\d+ ms {2}/.exec(line);
      expect(match, line).not.toBeNull();
      return `${(match?.[1] ?? '').trim()} ${(match?.[2] ?? '').trim()}`;
    });
}

describe.skipIf(
  unavailable(
    'Elasticsearch',
    process.env.ELASTICSEARCH_URL
      ? null
      : (elasticsearchUnavailableReason() ?? 'ELASTICSEARCH_URL not set by the global setup'),
  ),
)('npm run smoke', () => {
  let host: TestHost;
  beforeAll(async () => {
    host = await startTestHost({ elasticsearch: true });
  });
  afterAll(async () => {
    await host?.stop();
  });

  it('passes every step against a working host, printing each with its latency', async () => {
    const run = await smoke(['--url', host.url, '--key', FUNCTION_KEY]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(stepsOf(run.stdout)).toEqual([
      'ok create',
      'ok read back (X-Min-Version)',
      'ok search',
      'ok update (If-Match)',
      'ok delete (If-Match)',
      'ok read after delete (404)',
    ]);
    expect(run.stdout.trim().split('\n').pop()).toBe('smoke passed');
  });

  it('stops at the first failure with exit 1 (wrong key: the create is refused, nothing else runs)', async () => {
    const run = await smoke(['--url', host.url, '--key', 'not-the-key']);
    expect(run.code).toBe(1);
    expect(stepsOf(run.stdout)).toEqual(['FAIL create']);
    expect(run.stdout).toMatch(/POST \/movies: expected 201, got 401/);
    expect(run.stdout.trim().split('\n').pop()).toBe('smoke FAILED');
  });
});

describe('npm run smoke when search never catches up', () => {
  let host: TestHost;
  beforeAll(async () => {
    // Events are never published (and no relay timer runs): the read model never sees the movie.
    const lost: EventPublisher = { publish: async () => {}, publishRaw: async () => {}, health: async () => 'up' };
    host = await startTestHost({ overrides: { publisher: lost } });
  });
  afterAll(async () => {
    await host?.stop();
  });

  it('fails the search step, skips the rest, and deletes the movie it created', async () => {
    const run = await smoke(['--url', host.url, '--key', FUNCTION_KEY, '--search-timeout', '1']);
    expect(run.code).toBe(1);
    expect(stepsOf(run.stdout)).toEqual(['ok create', 'ok read back (X-Min-Version)', 'FAIL search', 'ok clean up']);
    const id = /ok {3}create +\d+ ms {2}id (\S+)/.exec(run.stdout)?.[1];
    expect(id).toBeDefined();
    const after = await host.api(`movies/${id}`, { headers: { 'X-Min-Version': '2' } });
    expect(after.status).toBe(404);
  });
});

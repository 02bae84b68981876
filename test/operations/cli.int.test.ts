/**
 * The operations CLIs (npm run verify / redrive / rebuild), spawned as a user runs them, against a
 * local host: their output and, above all, their exit codes (0 fine, 1 something to look at).
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cloudEventType } from '../../shared/domain/events';
import type { CloudEventEnvelope, StoredEvent } from '../../shared/ports';
import { topology } from '../../shared/topology';
import { elasticsearchUnavailableReason, uniqueIndexPrefix } from '../support/elasticsearch';
import { MASTER_KEY, startTestHost, type TestHost } from '../support/host';
import { unavailable } from '../support/services';

const ROOT = path.resolve(__dirname, '..', '..');

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `npx tsx scripts/<script>.ts args` with only the settings given (plus PATH and HOME). */
function cli(script: string, args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      'npx',
      ['tsx', `scripts/${script}.ts`, ...args],
      { cwd: ROOT, env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env }, timeout: 90_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

function envelopeOf(event: StoredEvent, overrides: Partial<CloudEventEnvelope> = {}): CloudEventEnvelope {
  return {
    specversion: '1.0',
    id: event.id,
    source: topology.source,
    type: cloudEventType(event.type),
    subject: `movies/${event.movieId}`,
    time: event.metadata.occurredAt,
    datacontenttype: 'application/json',
    data: { type: event.type, state: event.state, changed: event.changed, metadata: event.metadata },
    ...overrides,
  };
}

async function createMovies(host: TestHost, titles: string[]): Promise<string[]> {
  const ids: string[] = [];
  for (const title of titles) {
    const res = await host.api('movies', { method: 'POST', body: { title } });
    expect(res.status).toBe(201);
    ids.push(res.json.id as string);
  }
  await host.settle();
  return ids;
}

describe('operations CLIs over HTTP', () => {
  let host: TestHost;
  let env: Record<string, string>;
  beforeAll(async () => {
    // The CLIs start jobs and follow them: the host's jobs timer moves them, every second here.
    host = await startTestHost({ timers: true, env: { JOBS_SCHEDULE: '* * * * * *', RELAY_SCHEDULE: '0 0 0 1 1 *' } });
    env = { CATALOG_URL: host.url, MASTER_KEY };
    await createMovies(host, ['Heat', 'Ronin', 'Collateral']);
  });
  afterAll(async () => {
    await host?.stop();
  });

  it('verify exits 0 when converged and 1 listing the difference when not', async () => {
    const ok = await cli('verify', [], env);
    expect(ok.stdout).toContain('checked 3 movies');
    expect(ok.stdout).toContain('converged');
    expect(ok.code).toBe(0);

    const at = new Date().toISOString();
    await host.deps.readStore.apply([
      { kind: 'movie', movie: { id: 'orphan-1', version: 2, title: 'Ghost', createdAt: at, updatedAt: at } },
    ]);
    const bad = await cli('verify', [], env);
    expect(bad.stdout).toMatch(/orphan\s+orphan-1\s+\(read model v2\)/);
    expect(bad.code).toBe(1);
  });

  it('verify exits 2 with one line when the key is wrong', async () => {
    const run = await cli('verify', [], { ...env, MASTER_KEY: 'nope' });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^error: .*401/);
  });

  it('redrive lists, re-publishes what the topic accepts, and exits 1 for what it does not', async () => {
    const [event] = await host.deps.eventStore.history((await createMovies(host, ['Thief']))[0]!, { limit: 1 });
    const common = {
      subscription: 'projector',
      reason: 'MaxDeliveryAttemptsExceeded',
      deliveryAttempts: 10,
      deadLetteredAt: new Date().toISOString(),
    };
    const good = await host.deps.deadLetters.put({ ...common, event: envelopeOf(event!) });
    const broken = await host.deps.deadLetters.put({
      ...common,
      event: envelopeOf(event!, { id: 'broken-1', source: '' }),
    });

    const listed = await cli('redrive', ['--list'], env);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain('2 dead letter(s)');
    expect(listed.stdout).toContain(good.name);
    expect(listed.stdout).toContain('reason: MaxDeliveryAttemptsExceeded');
    expect((await host.deps.deadLetters.list()).length).toBe(2);

    const run = await cli('redrive', [], env);
    expect(run.stdout).toContain('1 re-published, 1 failed');
    expect(run.stdout).toContain(`failed ${broken.name}`);
    expect(run.code).toBe(1);
    await host.settle();
    expect((await host.deps.deadLetters.list()).map((d) => d.name)).toEqual([broken.name]);

    const none = await cli('redrive', ['--list', '--url', host.url], { MASTER_KEY });
    expect(none.stdout).toContain('1 dead letter(s)');
  });

  it('rebuild without store settings starts the job, follows it and prints its report', async () => {
    const run = await cli('rebuild', [], env);
    expect(run.stdout).toContain('POST');
    expect(run.stdout).toMatch(/rebuild: job http:\/\/127\.0\.0\.1:\d+\/api\/ops\/jobs\/[0-9a-f-]{36}/);
    expect(run.stdout).toMatch(/rebuild: 4 movies loaded into \S+/);
    expect(run.code).toBe(0);
    // the orphan written straight into the old index is gone with it
    expect((await cli('verify', [], env)).code).toBe(0);
  });
});

describe.skipIf(unavailable('Elasticsearch', elasticsearchUnavailableReason()))(
  'rebuild CLI directly against the stores',
  () => {
    let host: TestHost;
    const alias = uniqueIndexPrefix('cli-rebuild');
    beforeAll(async () => {
      host = await startTestHost({ elasticsearch: true, env: { ELASTICSEARCH_INDEX: alias } });
      await createMovies(host, ['Alien', 'Aliens', 'Alien 3']);
    });
    afterAll(async () => {
      await host?.stop();
    });

    it('runs the rebuild here with progress, swaps the alias and verifies', async () => {
      const before = await host.deps.readStore.currentIndex();
      const cosmos = host.services.find((s) => s.port === 'write store')!.target.split(' ')[0]!;
      const run = await cli('rebuild', [], {
        COSMOS_ENDPOINT: cosmos,
        // the embedded server takes any key
        COSMOS_KEY: 'any-key',
        ELASTICSEARCH_URL: process.env.ELASTICSEARCH_URL!,
        ELASTICSEARCH_INDEX: alias,
      });
      expect(run.stdout).toContain('directly against the configured stores');
      expect(run.stdout).toMatch(/counting movies\.\.\. 3/);
      expect(run.stdout).toMatch(/rebuild: 3 movies loaded into \S+/);
      expect(run.stdout).toContain('verify: checked 3 movies');
      expect(run.code).toBe(0);
      const after = await host.deps.readStore.currentIndex();
      expect(after).not.toBe(before);
      const verify = await host.finishJob(await host.api('ops/verify', { method: 'POST', key: 'master' }));
      expect(verify.json.result.differences).toEqual([]);
    });
  },
);

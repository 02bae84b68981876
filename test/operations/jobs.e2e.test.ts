/**
 * Long operations as jobs over HTTP, through the local host, with the write store (and so the jobs and
 * their lock) in a Cosmos server that outlives the hosts and the real Elasticsearch: a rebuild started on
 * one host, stopped mid-way, completes on another host from its checkpoint with the right result; a
 * second rebuild is refused while one runs, from any host.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedCosmos, type EmbeddedCosmos } from '../../shared/local/cosmos';
import { deleteIndicesWithPrefix, elasticsearchUnavailableReason, uniqueIndexPrefix } from '../support/elasticsearch';
import { startTestHost, type TestHost } from '../support/host';
import { unavailable } from '../support/services';

const TITLES = [
  'Heat',
  'Ronin',
  'Collateral',
  'Thief',
  'Manhunter',
  'Miami Vice',
  'Ali',
  'Blackhat',
  'Ferrari',
  'The Insider',
];

describe.skipIf(unavailable('Elasticsearch', elasticsearchUnavailableReason()))(
  'jobs survive a host restart; one rebuild at a time',
  () => {
    let cosmos: EmbeddedCosmos;
    const alias = uniqueIndexPrefix('jobs');
    const hosts: TestHost[] = [];
    const start = async () => {
      const host = await startTestHost({
        elasticsearch: true,
        // One step per tick and 4 movies per step, so the test can stop a host between two steps.
        env: {
          COSMOS_ENDPOINT: cosmos.endpoint,
          COSMOS_KEY: cosmos.key,
          ELASTICSEARCH_INDEX: alias,
          JOBS_PAGE_SIZE: '4',
          JOBS_TICK_SECONDS: '0',
        },
      });
      hosts.push(host);
      return host;
    };

    beforeAll(async () => {
      cosmos = await startEmbeddedCosmos();
    });
    afterAll(async () => {
      for (const host of hosts) await host.stop().catch(() => undefined);
      await cosmos?.close();
      await deleteIndicesWithPrefix(process.env.ELASTICSEARCH_URL!, alias);
    });

    it('a rebuild stopped mid-load on one host completes on the next from its checkpoint; a concurrent rebuild gets 409 on either host', async () => {
      const first = await start();
      for (const title of TITLES)
        expect((await first.api('movies', { method: 'POST', body: { title } })).status).toBe(201);
      await first.settle();
      // Something only the old index has: gone after the rebuild.
      const at = new Date().toISOString();
      await first.deps.readStore.apply(
        [{ kind: 'movie', movie: { id: 'stray-1', version: 1, title: 'Stray', createdAt: at, updatedAt: at } }],
        { refresh: true },
      );

      const started = await first.api('ops/rebuild', { method: 'POST', key: 'master' });
      expect(started.status).toBe(202);
      const location = started.headers.get('location')!;
      expect(location).toBe(`/api/ops/jobs/${started.json.id}`);
      expect(started.json).toMatchObject({ kind: 'rebuild', status: 'running', origin: 'api', steps: 0 });

      await first.runTimer('jobs'); // names the new index (in the checkpoint)
      await first.runTimer('jobs'); // creates it
      await first.runTimer('jobs'); // loads movies 1-4
      await first.runTimer('jobs'); // loads movies 5-8
      const midway = await first.api(location.slice(5), { key: 'master' });
      expect(midway.json).toMatchObject({
        status: 'running',
        steps: 4,
        progress: { phase: 'load', done: 8, total: 10 },
      });

      // A second host on the same stores (another instance): the lock is shared.
      const second = await start();
      for (const host of [first, second]) {
        const refused = await host.api('ops/rebuild', { method: 'POST', key: 'master' });
        expect(refused.status).toBe(409);
        expect(refused.headers.get('content-type')).toContain('application/problem+json');
        expect(refused.json).toMatchObject({ status: 409, jobId: started.json.id, location });
      }

      // The first host goes away mid-job; the second finishes it from the checkpoint.
      await first.stop();
      const done = await second.finishJob(started);
      expect(done.status).toBe(200);
      expect(done.json).toMatchObject({
        id: started.json.id,
        status: 'succeeded',
        result: { loaded: 10, differences: 0 },
      });
      expect(done.json.steps).toBeGreaterThan(4);

      const all = await second.api('movies?sort=title&limit=100');
      expect(all.json.total).toBe(10);
      expect((all.json.items as Array<{ title: string }>).map((m) => m.title)).toEqual([...TITLES].sort());
      expect(await second.deps.readStore.get('stray-1')).toBeNull();

      // The lock went with the job: the next rebuild starts.
      const next = await second.api('ops/rebuild', { method: 'POST', key: 'master' });
      expect(next.status).toBe(202);
      expect((await second.finishJob(next)).json).toMatchObject({
        status: 'succeeded',
        result: { loaded: 10, differences: 0 },
      });
    });

    it('GET of an unknown job is a 404 problem', async () => {
      const host = hosts.at(-1) ?? (await start());
      const res = await host.api('ops/jobs/no-such-job', { key: 'master' });
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      // an id that cannot name a job (101 characters; a character outside letters, digits, - and _) is also 404
      for (const id of ['a'.repeat(101), 'bad.id']) {
        const malformed = await host.api(`ops/jobs/${id}`, { key: 'master' });
        expect(malformed.status).toBe(404);
        expect(malformed.json).toMatchObject({ status: 404, detail: `No job ${id}.` });
      }
    });
  },
);

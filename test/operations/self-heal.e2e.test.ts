/**
 * Self-healing read model (issue 13, section 2), with the real Elasticsearch under a running local host
 * whose timers run on their schedules: the index behind the alias is deleted; the jobs timer notices the
 * missing read model while the write store holds movies, starts one rebuild under the rebuild lock, and
 * the catalog is searchable again, complete. The time it took is printed (the bound is in the README).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from '@elastic/elasticsearch';
import { deleteIndicesWithPrefix, elasticsearchUnavailableReason, uniqueIndexPrefix } from '../support/elasticsearch';
import { startTestHost, type TestHost } from '../support/host';
import { unavailable } from '../support/services';

const COUNT = 60;

describe.skipIf(unavailable('Elasticsearch', elasticsearchUnavailableReason()))(
  'a read model that heals itself',
  () => {
    let host: TestHost;
    const alias = uniqueIndexPrefix('heal');
    beforeAll(async () => {
      host = await startTestHost({
        elasticsearch: true,
        timers: true,
        env: { ELASTICSEARCH_INDEX: alias, JOBS_SCHEDULE: '* * * * * *' },
      });
    });
    afterAll(async () => {
      await host?.stop();
      await deleteIndicesWithPrefix(process.env.ELASTICSEARCH_URL!, alias);
    });

    it('the index deleted under a running host comes back complete, rebuilt once by the jobs timer', async () => {
      for (let i = 1; i <= COUNT; i++)
        expect(
          (await host.api('movies', { method: 'POST', body: { title: `Healing ${String(i).padStart(3, '0')}` } }))
            .status,
        ).toBe(201);
      await host.settle();
      expect((await host.api('movies?q=healing&limit=1')).json.total).toBe(COUNT);

      // The physical index behind the alias, by name (and with it the alias): what a container that
      // restarted empty, or an operator's mistake, leaves.
      const index = await host.deps.readStore.currentIndex();
      expect(index).toBe(`${alias}-v1-1`);
      const client = new Client({ node: process.env.ELASTICSEARCH_URL! });
      const deleted = Date.now();
      await client.indices.delete({ index: index! });
      await client.close();
      // Searchable again, complete: polled (at most 600 times, 100 ms apart), not timed. Asked of the read
      // store itself: the cache would still answer the search it holds from before the deletion.
      let total = -1;
      for (let poll = 0; poll < 600 && total !== COUNT; poll++) {
        await sleep(100);
        total = await host.deps.readStore.search({ q: 'healing', sort: 'relevance', limit: 1 }).then(
          (p) => p.total,
          () => -1,
        );
      }
      const seconds = (Date.now() - deleted) / 1000;
      console.info(
        `[self-heal] ${COUNT} movies searchable again ${seconds.toFixed(1)} s after the index was deleted (jobs timer every 1 s)`,
      );
      expect(total).toBe(COUNT);

      for (let poll = 0; poll < 600 && (await host.deps.jobs.running(10)).length > 0; poll++) await sleep(100);
      expect((await host.api('movies?q=healing&limit=1')).json.total).toBe(COUNT);
      // Exactly one rebuild ran, started by the app itself, and it converged.
      const jobs = host.logger.lines.filter((l) => /rebuild job .* started/.test(l));
      expect(jobs, host.logger.lines.filter((l) => /job|rebuild|read model/.test(l)).join('\n')).toHaveLength(1);
      expect(jobs[0]).toContain('read model missing while the write store holds movies');
      const verify = await host.finishJob(await host.api('ops/verify', { method: 'POST', key: 'master' }));
      expect(verify.json.result).toMatchObject({ checked: COUNT, differenceCount: 0 });
    });
  },
);

/**
 * `ELASTICSEARCH_URL=… npx tsx bench/footprint.ts [movies]`: what one movie costs in the read side's stores,
 * for the scale model in the README. Default 100,000 synthetic movies (bench/synthetic.ts, seed 42).
 *
 * - Elasticsearch: the movies loaded through the read store adapter (createIndex, apply in batches of 4,000,
 *   swapAlias, so the live index settings), refreshed and force-merged to one segment (what a rebuilt
 *   index settles to); `_stats` gives the primary store size: bytes per document.
 * - Redis: every movie cached the way `GET /api/movies/{id}` caches it (`movie:<id>`, the entry's JSON behind
 *   its version, as `Cache.putVersioned` stores it, with a TTL) in a private `redis-server`;
 *   `used_memory` before and after: bytes per cached movie, key and overhead included.
 */
import os from 'node:os';
import { Client } from '@elastic/elasticsearch';
import { Redis } from 'ioredis';
import { createMemoryEventStore } from '../shared/adapters/memory-event-store';
import { createElasticsearchReadStore } from '../shared/read-model/elasticsearch';
import { createNewIndex, type ReadEntry } from '../shared/read-model/port';
import { entryOfStored } from '../shared/read-model/projection';
import { deleteIndicesWithPrefix } from '../test/support/elasticsearch';
import { startTestRedis } from '../test/support/redis';
import { syntheticMovies } from './synthetic';

const BATCH = 4_000;

async function main(): Promise<void> {
  const esUrl = process.env.ELASTICSEARCH_URL;
  if (!esUrl) throw new Error('ELASTICSEARCH_URL is not set');
  const count = Number(process.argv[2] ?? 100_000);
  console.log(
    `[footprint] ${count} synthetic movies; load average ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  const events = createMemoryEventStore();
  for (const movie of syntheticMovies(count, 42)) for (const e of movie.events) await events.append(e);
  const entries: ReadEntry[] = [];
  for await (const batch of events.scanLatest({ batchSize: BATCH }))
    for (const e of batch) entries.push(entryOfStored(e));
  const movies = entries.filter((e) => e.kind === 'movie');
  console.log(
    `[footprint] ${entries.length} entries (${movies.length} movies, ${entries.length - movies.length} deleted)`,
  );

  const alias = `bench-footprint-${Date.now().toString(36)}`;
  const es = new Client({ node: esUrl });
  const redis = await startTestRedis();
  const raw = new Redis(redis.url);
  try {
    const readStore = createElasticsearchReadStore({ node: esUrl, alias, requestTimeoutMs: 120_000 });
    const index = await createNewIndex(readStore);
    for (let i = 0; i < entries.length; i += BATCH) await readStore.apply(entries.slice(i, i + BATCH), { index });
    await readStore.swapAlias(index);
    await es.indices.refresh({ index: alias });
    await es.indices.forcemerge({ index: alias, max_num_segments: 1 });
    await es.indices.refresh({ index: alias });
    const stats = await es.indices.stats({ index: alias, metric: ['docs', 'store'] });
    const primaries = stats._all.primaries!;
    const docs = primaries.docs!.count;
    const store = primaries.store!.size_in_bytes;
    console.log(
      `[footprint] Elasticsearch: ${docs} documents, primary store ${(store / 1024 / 1024).toFixed(1)} MiB after a merge to one segment = ${(store / docs).toFixed(0)} bytes per document`,
    );

    // What Cache.putVersioned leaves (the app's Lua script): `<version>:<entry JSON>` with the TTL, one key
    // per movie. Written with a pipeline: the bytes held are the same, without a round trip per key.
    const before = Number(/used_memory:(\d+)/.exec(await raw.info('memory'))![1]);
    let jsonBytes = 0;
    for (let i = 0; i < movies.length; i += 1_000) {
      const pipeline = raw.pipeline();
      for (const entry of movies.slice(i, i + 1_000)) {
        if (entry.kind !== 'movie') continue;
        const value = JSON.stringify(entry);
        jsonBytes += Buffer.byteLength(value);
        pipeline.set(`movie:${entry.movie.id}`, `${entry.movie.version}:${value}`, 'EX', 300);
      }
      await pipeline.exec();
    }
    const after = Number(/used_memory:(\d+)/.exec(await raw.info('memory'))![1]);
    console.log(
      `[footprint] Redis: ${movies.length} cached movies, used_memory +${((after - before) / 1024 / 1024).toFixed(1)} MiB = ${((after - before) / movies.length).toFixed(0)} bytes per movie (entry JSON ${(jsonBytes / movies.length).toFixed(0)} bytes)`,
    );
  } finally {
    raw.disconnect();
    await redis.stop();
    await deleteIndicesWithPrefix(esUrl, alias).catch(() => undefined);
    await es.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

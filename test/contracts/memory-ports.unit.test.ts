/**
 * The in-memory ports pass the same contracts as their real adapters (which run them against real
 * servers in the int tier). The folder dead-letter store needs no server, so it runs here too.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createFileDeadLetterStore } from '../../shared/adapters/file-dead-letters';
import { createMemoryCache } from '../../shared/adapters/memory-cache';
import { createMemoryDeadLetterStore } from '../../shared/adapters/memory-dead-letters';
import { createMemoryEventStore } from '../../shared/adapters/memory-event-store';
import { createMemoryPublisher } from '../../shared/adapters/memory-publisher';
import { cacheContract } from './cache';
import { deadLetterStoreContract } from './dead-letters';
import { eventStoreContract } from './event-store';
import { publisherContract } from './publisher';
import { jobStoreContract } from './job-store';
import { createMemoryJobStore } from '../../shared/adapters/memory-job-store';

eventStoreContract('in memory', async () => createMemoryEventStore(), 'embedded');

jobStoreContract('in memory', async () => createMemoryJobStore());

cacheContract('in memory', async () => ({ cache: createMemoryCache(), health: 'embedded' }), { server: false });

publisherContract('in memory', async () => {
  const publisher = createMemoryPublisher();
  let seen = 0;
  return {
    publisher,
    health: 'embedded',
    async received() {
      const got = publisher.accepted.slice(seen);
      seen = publisher.accepted.length;
      return got;
    },
    setDown(down) {
      publisher.down = down;
    },
  };
});

deadLetterStoreContract('in memory', async () => createMemoryDeadLetterStore());
deadLetterStoreContract('local folder', async () =>
  createFileDeadLetterStore(join(mkdtempSync(join(tmpdir(), 'dl-contract-')), 'nested')),
);

describe('in-memory cache beyond the contract (its clock is injectable)', () => {
  it('an entry is gone once its TTL has passed, a versioned one (value or floor) too', async () => {
    let now = 1_000_000;
    const cache = createMemoryCache(10, () => now);
    await cache.set('k', 'v', 30);
    await cache.putVersioned('movie', 2, 'v2', 30);
    await cache.putVersioned('floor', 5, null, 60);
    now += 29_999;
    expect(await cache.get('k')).toBe('v');
    expect(await cache.getVersioned('movie')).toEqual({ version: 2, value: 'v2' });
    now += 1;
    expect(await cache.get('k')).toBeNull();
    expect(await cache.getVersioned('movie')).toBeNull();
    // an expired entry no longer guards its version
    await cache.putVersioned('movie', 1, 'v1', 30);
    expect(await cache.getVersioned('movie')).toEqual({ version: 1, value: 'v1' });
    expect(await cache.getVersioned('floor')).toEqual({ version: 5, value: null });
    now += 30_000;
    expect(await cache.getVersioned('floor')).toBeNull();
  });

  it('keeps at most maxEntries, dropping the oldest first', async () => {
    const cache = createMemoryCache(2);
    await cache.set('a', '1', 60);
    await cache.set('b', '2', 60);
    await cache.set('c', '3', 60);
    expect([await cache.get('a'), await cache.get('b'), await cache.get('c')]).toEqual([null, '2', '3']);
  });
});

/**
 * The Cache contract: Redis (a redis-server of the test's own) and the in-memory cache run this same
 * suite. Keys are unique per run. `outage` (optional) makes the backing server unreachable and back.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CacheUnavailableError, type Cache, type DependencyStatus } from '../../shared/ports';

export interface CacheHarness {
  readonly cache: Cache;
  readonly health: DependencyStatus;
  /** Takes the server away and brings it back; absent for a cache without a server. */
  readonly outage?: { stop(): Promise<void>; start(): Promise<void> };
}

export function cacheContract(name: string, open: () => Promise<CacheHarness>, options: { server: boolean }): void {
  describe(`Cache contract: ${name}`, () => {
    let h: CacheHarness;
    const run = randomUUID().slice(0, 8);
    const key = (label: string) => `contract:${run}:${label}`;

    beforeAll(async () => {
      h = await open();
    });
    afterAll(async () => h?.cache.close());

    it('get of a missing key is null; set then get returns the value; set overwrites', async () => {
      expect(await h.cache.get(key('missing'))).toBeNull();
      await h.cache.set(key('a'), '{"x":1}', 60);
      expect(await h.cache.get(key('a'))).toBe('{"x":1}');
      await h.cache.set(key('a'), 'second', 60);
      expect(await h.cache.get(key('a'))).toBe('second');
    });

    it('del removes exactly the keys given; an empty list and missing keys are fine', async () => {
      await h.cache.set(key('d1'), '1', 60);
      await h.cache.set(key('d2'), '2', 60);
      await h.cache.set(key('d3'), '3', 60);
      await h.cache.del([key('d1'), key('d3'), key('never-set')]);
      await h.cache.del([]);
      expect([await h.cache.get(key('d1')), await h.cache.get(key('d2')), await h.cache.get(key('d3'))]).toEqual([
        null,
        '2',
        null,
      ]);
    });

    it('putVersioned stores a value at a version; getVersioned reads both; a plain key is not a versioned entry', async () => {
      expect(await h.cache.getVersioned(key('v-missing'))).toBeNull();
      await h.cache.putVersioned(key('v'), 3, '{"title":"Alien"}', 60);
      expect(await h.cache.getVersioned(key('v'))).toEqual({ version: 3, value: '{"title":"Alien"}' });
      await h.cache.putVersioned(key('floor'), 7, null, 60);
      expect(await h.cache.getVersioned(key('floor'))).toEqual({ version: 7, value: null });
      await h.cache.set(key('plain'), 'no version here', 60);
      expect(await h.cache.getVersioned(key('plain'))).toBeNull();
    });

    it('putVersioned: an older version never replaces a newer one; a floor replaces an older value, and only a value replaces its own floor', async () => {
      const k = key('rule');
      await h.cache.putVersioned(k, 2, 'v2', 60);
      await h.cache.putVersioned(k, 1, 'v1', 60); // a reader that read an older version
      expect(await h.cache.getVersioned(k)).toEqual({ version: 2, value: 'v2' });
      await h.cache.putVersioned(k, 2, 'v2 again', 60); // same version, a value there already
      expect(await h.cache.getVersioned(k)).toEqual({ version: 2, value: 'v2' });
      await h.cache.putVersioned(k, 2, null, 60); // a floor of the same version keeps the value
      expect(await h.cache.getVersioned(k)).toEqual({ version: 2, value: 'v2' });
      await h.cache.putVersioned(k, 3, null, 60); // the projector: v3 written, older values are gone
      expect(await h.cache.getVersioned(k)).toEqual({ version: 3, value: null });
      await h.cache.putVersioned(k, 2, 'v2', 60); // a reader that raced the projection
      expect(await h.cache.getVersioned(k)).toEqual({ version: 3, value: null });
      await h.cache.putVersioned(k, 3, 'v3', 60); // a reader that read v3 fills it
      expect(await h.cache.getVersioned(k)).toEqual({ version: 3, value: 'v3' });
      await h.cache.putVersioned(k, 10, 'v10', 60); // versions compare as numbers, not text
      await h.cache.putVersioned(k, 9, 'v9', 60);
      expect(await h.cache.getVersioned(k)).toEqual({ version: 10, value: 'v10' });
    });

    it('putVersioned keeps values with colons intact', async () => {
      await h.cache.putVersioned(key('colons'), 1, '{"a":"b:c"}', 60);
      expect(await h.cache.getVersioned(key('colons'))).toEqual({ version: 1, value: '{"a":"b:c"}' });
    });

    it('reports health', async () => {
      expect(await h.cache.health()).toBe(h.health);
    });

    // Declared only where there is a server to lose: a skipped test fails CI.
    if (!options.server) return;
    it('an unreachable server is CacheUnavailableError on every operation, health down, and it recovers', async () => {
      if (!h.outage) throw new Error('a cache with a server needs an outage hook');
      await h.cache.set(key('before-outage'), 'v', 60);
      await h.outage.stop();
      try {
        for (const op of [
          () => h.cache.get(key('x')),
          () => h.cache.set(key('x'), 'v', 60),
          () => h.cache.del([key('x')]),
          () => h.cache.getVersioned(key('x')),
          () => h.cache.putVersioned(key('x'), 1, 'v', 60),
        ]) {
          await expect(op()).rejects.toBeInstanceOf(CacheUnavailableError);
        }
        expect(await h.cache.health()).toBe('down');
      } finally {
        await h.outage.start();
      }
      // A fresh server has no data; the adapter reconnects by itself.
      await expect.poll(() => h.cache.health(), { timeout: 10_000, interval: 100 }).toBe(h.health);
      expect(await h.cache.get(key('before-outage'))).toBeNull();
    });
  });
}

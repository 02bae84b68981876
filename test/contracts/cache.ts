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
      expect([await h.cache.get(key('d1')), await h.cache.get(key('d2')), await h.cache.get(key('d3'))]).toEqual([null, '2', null]);
    });

    it('incr counts from 1, returns the new value, and get reads it as a decimal string', async () => {
      expect(await h.cache.incr(key('gen'))).toBe(1);
      expect(await h.cache.incr(key('gen'))).toBe(2);
      expect(await h.cache.incr(key('gen'))).toBe(3);
      expect(await h.cache.get(key('gen'))).toBe('3');
      expect(await h.cache.incr(key('other-gen'))).toBe(1);
    });

    it('20 concurrent increments of one counter end at exactly 20, each value returned once', async () => {
      const values = await Promise.all(Array.from({ length: 20 }, () => h.cache.incr(key('concurrent'))));
      expect([...values].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
      expect(await h.cache.get(key('concurrent'))).toBe('20');
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
        for (const op of [() => h.cache.get(key('x')), () => h.cache.set(key('x'), 'v', 60), () => h.cache.del([key('x')]), () => h.cache.incr(key('x'))]) {
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

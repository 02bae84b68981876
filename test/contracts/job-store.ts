/**
 * The JobStore contract: the Cosmos store (real SDK, Cosmos protocol server) and the in-memory store
 * run this same suite. Every change is conditional on the version read.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Job, JobStore } from '../../shared/ports';

const job = (id: string, over: Partial<Job> = {}): Job => ({
  id,
  kind: 'verify',
  status: 'running',
  origin: 'api',
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  steps: 0,
  progress: { phase: 'write', done: 0 },
  state: { verify: { phase: 'write', checked: 0 } },
  failures: 0,
  ...over,
});

export function jobStoreContract(name: string, open: () => Promise<JobStore>): void {
  describe(`JobStore contract: ${name}`, () => {
    const run = randomUUID().slice(0, 8);
    const id = (label: string) => `${label}-${run}`;

    it('creates a job once, reads it back exactly, null for an unknown id', async () => {
      const store = await open();
      expect(await store.create(job(id('a')))).toBe(true);
      expect(await store.create(job(id('a'), { origin: 'second' }))).toBe(false);
      expect((await store.get(id('a')))?.value).toEqual(job(id('a')));
      expect(await store.get(id('nobody'))).toBeNull();
    });

    it('replace succeeds at the version read and fails (null) at a stale one; the first writer stays', async () => {
      const store = await open();
      await store.create(job(id('r')));
      const read = (await store.get(id('r')))!;
      const first = await store.replace(job(id('r'), { steps: 1 }), read.etag);
      expect(first).not.toBeNull();
      expect(await store.replace(job(id('r'), { steps: 99 }), read.etag)).toBeNull();
      expect((await store.get(id('r')))?.value.steps).toBe(1);
      expect(await store.replace(job(id('r'), { steps: 2 }), first!)).not.toBeNull();
      expect((await store.get(id('r')))?.value.steps).toBe(2);
    });

    it('lists running jobs oldest first, not finished ones', async () => {
      const store = await open();
      await store.create(job(id('late'), { createdAt: '2030-01-01T00:00:02.000Z' }));
      await store.create(job(id('early'), { createdAt: '2030-01-01T00:00:01.000Z' }));
      await store.create(job(id('done'), { createdAt: '2030-01-01T00:00:00.000Z', status: 'succeeded' }));
      const mine = (await store.running(1000)).filter((j) => j.id.endsWith(run)).map((j) => j.id);
      expect(mine.slice(-2)).toEqual([id('early'), id('late')]);
      expect(mine).not.toContain(id('done'));
    });

    it('a lock is taken once; taken over only at the version read; released only by its holder', async () => {
      const store = await open();
      const name = id('lock');
      expect(await store.getLock(name)).toBeNull();
      expect(await store.putLock({ name, holder: 'j1', takenAt: '2026-01-01T00:00:00.000Z' })).toBe(true);
      expect(await store.putLock({ name, holder: 'j2', takenAt: '2026-01-01T00:00:00.000Z' })).toBe(false);
      const held = (await store.getLock(name))!;
      expect(held.value).toEqual({ name, holder: 'j1', takenAt: '2026-01-01T00:00:00.000Z' });
      expect(await store.putLock({ name, holder: 'j3', takenAt: '2026-01-01T00:01:00.000Z' }, held.etag)).toBe(true);
      expect(await store.putLock({ name, holder: 'j4', takenAt: '2026-01-01T00:02:00.000Z' }, held.etag)).toBe(false);
      await store.releaseLock(name, 'j1');
      expect((await store.getLock(name))?.value.holder).toBe('j3');
      await store.releaseLock(name, 'j3');
      expect(await store.getLock(name)).toBeNull();
    });
  });
}

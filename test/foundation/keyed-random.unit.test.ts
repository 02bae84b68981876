/** Chaos decisions are reproducible: one stream per (seed, kind, key), unaffected by other keys' draws. */
import { describe, expect, it } from 'vitest';
import { keyedRandom, mulberry32 } from '../../shared/local/keyed-random';
import { flakyReadStore } from '../support/chaos';
import { createEmbeddedReadStore } from '../../shared/read-model/embedded';
import type { Movie } from '../../shared/domain/movie';

describe('keyed random streams', () => {
  it('mulberry32 is a fixed sequence for a seed', () => {
    const r = mulberry32(67057);
    const first = [r(), r(), r()];
    const again = mulberry32(67057);
    expect([again(), again(), again()]).toEqual(first);
    for (const x of first) expect(x >= 0 && x < 1).toBe(true);
    expect(mulberry32(67058)()).not.toBe(first[0]);
  });

  it('the nth draw for a key is the same whatever other keys drew in between, and in whatever order', () => {
    const a = keyedRandom(42);
    const b = keyedRandom(42);
    const fromA = [a('duplicate', 'm1:1'), a('duplicate', 'm2:1'), a('duplicate', 'm1:1'), a('delay', 'm1:1')];
    const fromB = [b('delay', 'm1:1'), b('duplicate', 'm1:1'), b('duplicate', 'm1:1'), b('duplicate', 'm2:1')];
    expect([fromB[1], fromB[3], fromB[2], fromB[0]]).toEqual(fromA);
    expect(new Set(fromA).size).toBe(4);
  });

  it('another seed gives other decisions', () => {
    const draws = (seed: number) => ['a', 'b', 'c', 'd'].map((k) => keyedRandom(seed)('reject-publish', k));
    expect(draws(1)).not.toEqual(draws(2));
    expect(draws(1)).toEqual(draws(1));
  });

  it('the flaky read store fails the same event versions in two runs with one seed, delivered in different orders', async () => {
    const movie = (id: string): Movie => ({
      id,
      version: 1,
      title: id,
      createdAt: '2026-01-01T00:00:00.000Z',
      updatedAt: '2026-01-01T00:00:00.000Z',
    });
    const ids = Array.from({ length: 40 }, (_, i) => `m${i}`);
    const failedIds = async (order: string[]) => {
      const inner = createEmbeddedReadStore();
      await inner.init();
      const store = flakyReadStore(inner, 7);
      store.failRate = 0.5;
      const failed: string[] = [];
      for (const id of order) await store.apply([{ kind: 'movie', movie: movie(id) }]).catch(() => failed.push(id));
      return failed.sort();
    };
    const forward = await failedIds(ids);
    expect(await failedIds([...ids].reverse())).toEqual(forward);
    expect(forward.length).toBeGreaterThan(5);
    expect(forward.length).toBeLessThan(35);
  });
});

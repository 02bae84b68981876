/**
 * The convergence check's step: one page of the write store at a time, a bounded number of read-store
 * reads in flight, and nothing kept per movie but its difference (listed in movie order, whatever order
 * the reads finish in).
 */
import { describe, expect, it } from 'vitest';
import { verifyStep, initialVerifyState } from '../../shared/operations/verify';
import type { EventStore, StoredEvent } from '../../shared/ports';
import type { ReadEntry, ReadStore } from '../../shared/read-model/port';

const at = '2026-01-01T00:00:00.000Z';

function stored(movieId: string, version: number, deleted = false): StoredEvent {
  const state = { id: movieId, version, title: `Title ${movieId}`, genres: ['Drama'], createdAt: at, updatedAt: at };
  return {
    type: deleted ? 'MovieDeleted' : version === 1 ? 'MovieCreated' : 'MovieUpdated',
    state,
    metadata: { movieId, version, occurredAt: at, correlationId: 'c' },
    id: `${movieId}:${version}`,
    movieId,
    version,
    dispatched: true,
  } as unknown as StoredEvent;
}

const movie = (movieId: string, version: number): ReadEntry => ({
  kind: 'movie',
  movie: { id: movieId, version, title: `Title ${movieId}`, genres: ['Drama'], createdAt: at, updatedAt: at },
});

/** A write store of `events` in movieId order that counts its page reads. */
function writeStore(events: StoredEvent[]) {
  const calls: Array<{ afterMovieId?: string; limit: number }> = [];
  const store = {
    async latestPage(page: { afterMovieId?: string; limit: number }) {
      calls.push(page);
      const from = page.afterMovieId === undefined ? 0 : events.findIndex((e) => e.movieId > page.afterMovieId!);
      const items = from < 0 ? [] : events.slice(from, from + page.limit);
      return { items, next: from >= 0 && from + page.limit < events.length ? items.at(-1)!.movieId : null };
    },
  };
  return { store: store as unknown as EventStore, calls };
}

/** A read store whose gets finish after `delayOf(id)` ms, counting the gets in flight. */
function readStore(entries: Map<string, ReadEntry>, delayOf: (id: string) => number) {
  const seen = { inFlight: 0, maxInFlight: 0, gets: 0 };
  const store = {
    async get(id: string) {
      seen.gets += 1;
      seen.inFlight += 1;
      seen.maxInFlight = Math.max(seen.maxInFlight, seen.inFlight);
      await new Promise((resolve) => setTimeout(resolve, delayOf(id)));
      seen.inFlight -= 1;
      return entries.get(id) ?? null;
    },
  };
  return { store: store as unknown as ReadStore, seen };
}

describe('verifyStep (write side)', () => {
  it('reads one page per step and keeps at most 16 reads of the read store in flight', async () => {
    const ids = Array.from({ length: 50 }, (_, i) => `m${String(i).padStart(2, '0')}`);
    const write = writeStore(ids.map((id) => stored(id, 1)));
    const read = readStore(new Map(ids.map((id) => [id, movie(id, 1)])), (id) => Number(id.slice(1)) % 3);

    const state = await verifyStep({ eventStore: write.store, readStore: read.store }, initialVerifyState(), 40);

    expect(write.calls).toEqual([{ limit: 40 }]);
    expect(read.seen.gets).toBe(40);
    expect(read.seen.maxInFlight).toBe(16);
    expect(state).toEqual({
      phase: 'write',
      after: 'm39',
      checked: 40,
      tombstones: 0,
      orphansChecked: 0,
      differences: [],
      differenceCount: 0,
    });
  });

  it('lists differences in movie order when the reads finish in reverse, and counts tombstones', async () => {
    const write = writeStore([
      stored('a1', 1),
      stored('a2', 1),
      stored('a3', 3),
      stored('a4', 2),
      stored('a5', 2, true),
    ]);
    const entries = new Map<string, ReadEntry>([
      ['a1', movie('a1', 1)],
      ['a3', movie('a3', 3)],
      ['a4', movie('a4', 1)],
      ['a5', { kind: 'tombstone', id: 'a5', version: 2, deletedAt: at }],
    ]);
    // a1 finishes last, a5 first.
    const read = readStore(entries, (id) => 5 * (6 - Number(id.slice(1))));

    const state = await verifyStep({ eventStore: write.store, readStore: read.store }, initialVerifyState(), 10);

    expect(state).toEqual({
      phase: 'read',
      after: undefined,
      checked: 5,
      tombstones: 1,
      orphansChecked: 0,
      differences: [
        { id: 'a2', problem: 'missing', expectedVersion: 1 },
        { id: 'a4', problem: 'version', expectedVersion: 2, actualVersion: 1 },
      ],
      differenceCount: 2,
    });
  });
});

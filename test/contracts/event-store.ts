/**
 * The EventStore contract: every implementation (Cosmos through the real SDK on the Cosmos protocol
 * server; the in-memory store) runs this same suite. Movie ids are unique per run, so a store shared
 * with other tests still answers exactly.
 */
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import type { MovieEvent } from '../../shared/domain/events';
import { ConcurrencyConflictError } from '../../shared/errors';
import type { DependencyStatus, EventStore, StoredEvent } from '../../shared/ports';

export function eventAt(
  movieId: string,
  version: number,
  minute = version,
  type: MovieEvent['type'] = version === 1 ? 'MovieCreated' : 'MovieUpdated',
): MovieEvent {
  const at = `2026-01-01T00:${String(minute).padStart(2, '0')}:00.000Z`;
  return {
    type,
    state: {
      id: movieId,
      version,
      title: `${movieId} v${version}`,
      createdAt: '2026-01-01T00:00:00.000Z',
      updatedAt: at,
    },
    changed: ['title'],
    metadata: { movieId, version, occurredAt: at, correlationId: `c-${movieId}-${version}` },
  };
}

async function collect(batches: AsyncIterable<StoredEvent[]>): Promise<StoredEvent[][]> {
  const out: StoredEvent[][] = [];
  for await (const batch of batches) out.push(batch);
  return out;
}

export function eventStoreContract(
  name: string,
  open: () => Promise<EventStore>,
  expectedHealth: DependencyStatus,
): void {
  describe(`EventStore contract: ${name}`, () => {
    let store: EventStore;
    const run = randomUUID().slice(0, 8);
    const id = (label: string) => `${label}-${run}`;
    const ours = (events: StoredEvent[]) => events.filter((e) => e.movieId.endsWith(`-${run}`));

    beforeAll(async () => {
      store = await open();
      await store.init();
      await store.init(); // idempotent
    });

    it('append returns the stored document: id <movieId>:<version>, movieId, version, dispatched false, the event as given', async () => {
      const event = eventAt(id('shape'), 1);
      const stored = await store.append(event);
      expect(stored).toEqual({ ...event, id: `${id('shape')}:1`, movieId: id('shape'), version: 1, dispatched: false });
      expect(await store.get(id('shape'), 1)).toEqual(stored);
    });

    it('reads the newest version, one version, and null for what does not exist', async () => {
      for (const v of [1, 2, 3]) await store.append(eventAt(id('read'), v));
      expect((await store.latest(id('read')))?.version).toBe(3);
      expect((await store.get(id('read'), 2))?.state.title).toBe(`${id('read')} v2`);
      expect(await store.get(id('read'), 4)).toBeNull();
      expect(await store.get(id('nobody'), 1)).toBeNull();
      expect(await store.latest(id('nobody'))).toBeNull();
    });

    it('history pages newest first, strictly before beforeVersion, at most limit', async () => {
      for (const v of [1, 2, 3, 4, 5]) await store.append(eventAt(id('hist'), v));
      const versions = async (page: { limit: number; beforeVersion?: number }) =>
        (await store.history(id('hist'), page)).map((e) => e.version);
      expect(await versions({ limit: 2 })).toEqual([5, 4]);
      expect(await versions({ limit: 2, beforeVersion: 4 })).toEqual([3, 2]);
      expect(await versions({ limit: 10, beforeVersion: 2 })).toEqual([1]);
      expect(await versions({ limit: 10, beforeVersion: 1 })).toEqual([]);
      expect(await versions({ limit: 1 })).toEqual([5]);
      expect(await store.history(id('nobody'), { limit: 10 })).toEqual([]);
    });

    it('a second writer of the same version gets ConcurrencyConflictError and the first write stays', async () => {
      await store.append(eventAt(id('race'), 1));
      const loser = eventAt(id('race'), 1);
      const error = await store
        .append({ ...loser, state: { ...loser.state, title: 'loser' } })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConcurrencyConflictError);
      expect(error).toMatchObject({ movieId: id('race'), version: 1 });
      expect((await store.get(id('race'), 1))?.state.title).toBe(`${id('race')} v1`);
    });

    it('10 concurrent writers of one version: exactly one wins, 9 conflict', async () => {
      await store.append(eventAt(id('contended'), 1));
      const results = await Promise.allSettled(
        Array.from({ length: 10 }, (_, i) =>
          store.append({
            ...eventAt(id('contended'), 2),
            state: { ...eventAt(id('contended'), 2).state, title: `writer ${i}` },
          }),
        ),
      );
      const won = results.filter((r): r is PromiseFulfilledResult<StoredEvent> => r.status === 'fulfilled');
      expect(won).toHaveLength(1);
      const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(lost).toHaveLength(9);
      for (const r of lost) expect(r.reason).toBeInstanceOf(ConcurrencyConflictError);
      expect((await store.get(id('contended'), 2))?.state.title).toBe(won[0]!.value.state.title);
      expect((await store.history(id('contended'), { limit: 10 })).map((e) => e.version)).toEqual([2, 1]);
    });

    it('lists undispatched events that occurred strictly before a time, oldest first, at most limit; marking is idempotent', async () => {
      await store.append(eventAt(id('relay-b'), 1, 40));
      await store.append(eventAt(id('relay-a'), 1, 41));
      await store.append(eventAt(id('relay-a'), 2, 50)); // exactly at the bound: not before it
      await store.append(eventAt(id('relay-a'), 3, 59));
      const relayIds = new Set([id('relay-a'), id('relay-b')]);
      const undispatched = async (limit = 1000) =>
        (await store.undispatched('2026-01-01T00:50:00.000Z', limit))
          .filter((e) => relayIds.has(e.movieId))
          .map((e) => e.id);
      expect(await undispatched()).toEqual([`${id('relay-b')}:1`, `${id('relay-a')}:1`]);
      await store.markDispatched({ movieId: id('relay-b'), version: 1 });
      await store.markDispatched({ movieId: id('relay-b'), version: 1 });
      expect(await undispatched()).toEqual([`${id('relay-a')}:1`]);
      expect((await store.get(id('relay-b'), 1))?.dispatched).toBe(true);
      expect((await store.get(id('relay-a'), 1))?.dispatched).toBe(false);
      expect((await store.undispatched('2026-01-01T00:50:00.000Z', 1)).length).toBe(1);
    });

    it('marking marks only that version, keeps the rest of the document, and is a no-op for an event that does not exist', async () => {
      const first = await store.append(eventAt(id('mark'), 1));
      const second = await store.append(eventAt(id('mark'), 2));
      await store.markDispatched({ movieId: id('mark'), version: 1 });
      expect(await store.get(id('mark'), 1)).toEqual({ ...first, dispatched: true });
      expect(await store.get(id('mark'), 2)).toEqual(second);
      await store.markDispatched({ movieId: id('nobody'), version: 1 });
      await store.markDispatched({ movieId: id('mark'), version: 3 });
      expect(await store.get(id('nobody'), 1)).toBeNull();
      expect(await store.get(id('mark'), 3)).toBeNull();
    });

    it('scans every movie’s newest version in batches of at most batchSize', async () => {
      for (const v of [1, 2]) await store.append(eventAt(id('scan-x'), v));
      await store.append(eventAt(id('scan-y'), 1));
      const batches = await collect(store.scanLatest({ batchSize: 2 }));
      for (const batch of batches) expect(batch.length).toBeLessThanOrEqual(2);
      const newest = new Map(ours(batches.flat()).map((e) => [e.movieId, e.version]));
      expect(newest.get(id('scan-x'))).toBe(2);
      expect(newest.get(id('scan-y'))).toBe(1);
      expect(newest.get(id('hist'))).toBe(5);
      expect(ours(batches.flat()).filter((e) => e.movieId === id('scan-x'))).toHaveLength(1);
    });

    it('pages the newest versions in movieId order by keyset: each page resumes after the previous one’s next', async () => {
      // Appended out of id order, with several versions and a delete: the pages still come in id order,
      // one entry per movie, its newest version.
      const k = (label: string) => `keyset-${run}-${label}`;
      for (const v of [1, 2, 3]) await store.append(eventAt(k('c'), v));
      await store.append(eventAt(k('a'), 1));
      for (const v of [1, 2]) await store.append(eventAt(k('d'), v, v, v === 2 ? 'MovieDeleted' : 'MovieCreated'));
      for (const v of [1, 2]) await store.append(eventAt(k('b'), v));
      await store.append(eventAt(k('e'), 1));
      const seen: Array<[string, number, string]> = [];
      const nexts: Array<string | null> = [];
      let after = `keyset-${run}-`;
      for (let guard = 0; guard < 10; guard++) {
        const page = await store.latestPage({ afterMovieId: after, limit: 2 });
        expect(page.items.length).toBeLessThanOrEqual(2);
        const mine = page.items.filter((e) => e.movieId.startsWith(`keyset-${run}-`));
        seen.push(...mine.map((e): [string, number, string] => [e.movieId, e.version, e.type]));
        if (page.next === null || mine.length < page.items.length) break;
        nexts.push(page.next);
        after = page.next;
      }
      expect(seen).toEqual([
        [k('a'), 1, 'MovieCreated'],
        [k('b'), 2, 'MovieUpdated'],
        [k('c'), 3, 'MovieUpdated'],
        [k('d'), 2, 'MovieDeleted'],
        [k('e'), 1, 'MovieCreated'],
      ]);
      expect(nexts.slice(0, 2)).toEqual([k('b'), k('d')]);
      // A scan resumed from a checkpoint gives the rest, in the same order.
      const resumed = (await collect(store.scanLatest({ afterMovieId: k('c'), batchSize: 2 })))
        .flat()
        .filter((e) => e.movieId.startsWith(`keyset-${run}-`));
      expect(resumed.map((e) => e.movieId)).toEqual([k('d'), k('e')]);
    });

    it('counts movies, not events', async () => {
      const before = await store.countMovies();
      for (const v of [1, 2, 3]) await store.append(eventAt(id('count'), v));
      expect((await store.countMovies()) - before).toBe(1);
    });

    it('the last page says so: next is null when nothing follows', async () => {
      const page = await store.latestPage({ afterMovieId: '\uffff', limit: 5 });
      expect(page).toEqual({ items: [], next: null });
    });

    it('lists every event at or after a time, oldest first, in batches', async () => {
      await store.append(eventAt(id('since'), 1, 20));
      await store.append(eventAt(id('since'), 2, 21));
      await store.append(eventAt(id('since'), 3, 22));
      const batches = await collect(store.eventsSince('2026-01-01T00:21:00.000Z', 2));
      for (const batch of batches) expect(batch.length).toBeLessThanOrEqual(2);
      expect(
        ours(batches.flat())
          .filter((e) => e.movieId === id('since'))
          .map((e) => e.version),
      ).toEqual([2, 3]);
    });

    it('what a caller does to a returned event does not change the store', async () => {
      const stored = await store.append(eventAt(id('copy'), 1));
      (stored.state as { title: string }).title = 'mutated';
      const read = await store.get(id('copy'), 1);
      (read!.state as { title: string }).title = 'mutated again';
      expect((await store.latest(id('copy')))?.state.title).toBe(`${id('copy')} v1`);
    });

    it('reports health', async () => {
      expect(await store.health()).toBe(expectedHealth);
    });
  });
}

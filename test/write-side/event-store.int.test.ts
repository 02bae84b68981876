/**
 * The Cosmos event store through the real @azure/cosmos SDK against the embedded Cosmos server:
 * versions collide on their id, so racing writers cannot both win.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCosmosEventStore } from '../../shared/adapters/cosmos-event-store';
import type { MovieEvent } from '../../shared/domain/events';
import { ConcurrencyConflictError } from '../../shared/errors';
import { startEmbeddedCosmos, type EmbeddedCosmos } from '../../shared/local/cosmos';
import type { EventStore } from '../../shared/ports';
import { eventStoreContract } from '../contracts/event-store';
import { jobStoreContract } from '../contracts/job-store';
import { createCosmosJobStore } from '../../shared/adapters/cosmos-job-store';

let cosmos: EmbeddedCosmos;
let store: EventStore;

beforeAll(async () => {
  cosmos = await startEmbeddedCosmos();
  store = createCosmosEventStore({
    client: cosmos.client,
    database: 'catalog',
    container: 'events',
    createIfMissing: true,
    embedded: true,
  });
  await store.init();
  await store.init(); // idempotent
});
afterAll(async () => cosmos.close());

// The same contract the in-memory store passes (test/contracts/memory-ports.unit.test.ts).
eventStoreContract(
  'Cosmos DB (real SDK, Cosmos protocol server)',
  async () =>
    createCosmosEventStore({
      client: cosmos.client,
      database: 'catalog',
      container: 'events-contract',
      createIfMissing: true,
      embedded: true,
    }),
  'embedded',
);

// The same store as Azure reads it (a query per movie for a page of newest versions), on the same server.
eventStoreContract(
  'Cosmos DB, as in Azure (real SDK, Cosmos protocol server)',
  async () =>
    createCosmosEventStore({
      client: cosmos.client,
      database: 'catalog',
      container: 'events-contract-azure',
      createIfMissing: true,
    }),
  'up',
);

jobStoreContract('Cosmos DB (real SDK, Cosmos protocol server)', async () => {
  const jobs = createCosmosJobStore({
    client: cosmos.client,
    database: 'catalog',
    container: 'jobs',
    createIfMissing: true,
  });
  await jobs.init();
  return jobs;
});

function event(
  movieId: string,
  version: number,
  minute = version,
  type: MovieEvent['type'] = version === 1 ? 'MovieCreated' : 'MovieUpdated',
): MovieEvent {
  const at = `2026-01-01T00:${String(minute).padStart(2, '0')}:00.000Z`;
  return {
    type,
    state: { id: movieId, version, title: `${movieId} v${version}`, createdAt: at, updatedAt: at },
    changed: ['title'],
    metadata: { movieId, version, occurredAt: at, correlationId: `c-${movieId}-${version}` },
  };
}

describe('Cosmos event store', () => {
  it('appends versions, reads the newest, one version, and a paged history newest first', async () => {
    for (let v = 1; v <= 5; v++) await store.append(event('hist', v));
    expect((await store.latest('hist'))?.version).toBe(5);
    expect((await store.get('hist', 3))?.state.title).toBe('hist v3');
    expect(await store.get('hist', 9)).toBeNull();
    expect(await store.latest('nobody')).toBeNull();
    expect((await store.history('hist', { limit: 2 })).map((e) => e.version)).toEqual([5, 4]);
    expect((await store.history('hist', { limit: 2, beforeVersion: 4 })).map((e) => e.version)).toEqual([3, 2]);
    const stored = await store.get('hist', 1);
    expect(stored).toMatchObject({ id: 'hist:1', movieId: 'hist', dispatched: false });
    expect(stored).not.toHaveProperty('_etag');
  });

  it('a second writer of the same version gets a conflict, never an overwrite', async () => {
    await store.append(event('race', 1));
    await expect(
      store.append({ ...event('race', 1), state: { ...event('race', 1).state, title: 'loser' } }),
    ).rejects.toBeInstanceOf(ConcurrencyConflictError);
    expect((await store.get('race', 1))?.state.title).toBe('race v1');
  });

  it('20 concurrent writers of one version: exactly one wins', async () => {
    await store.append(event('contended', 1));
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) =>
        store.append({ ...event('contended', 2), state: { ...event('contended', 2).state, title: `writer ${i}` } }),
      ),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(rejected).toHaveLength(19);
    for (const r of rejected) expect(r.reason).toBeInstanceOf(ConcurrencyConflictError);
    expect((await store.history('contended', { limit: 10 })).map((e) => e.version)).toEqual([2, 1]);
  });

  it('lists undispatched events before a time, oldest first, and forgets dispatched ones', async () => {
    await store.append(event('relay-b', 1, 40));
    await store.append(event('relay-a', 1, 41));
    await store.append(event('relay-a', 2, 59));
    const before = (await store.undispatched('2026-01-01T00:50:00.000Z', 100))
      .map((e) => e.id)
      .filter((id) => id.startsWith('relay-'));
    expect(before).toEqual(['relay-b:1', 'relay-a:1']);
    await store.markDispatched({ movieId: 'relay-b', version: 1 });
    await store.markDispatched({ movieId: 'relay-b', version: 1 }); // idempotent
    const after = (await store.undispatched('2026-01-01T00:50:00.000Z', 100))
      .map((e) => e.id)
      .filter((id) => id.startsWith('relay-'));
    expect(after).toEqual(['relay-a:1']);
  });

  it('scans every movie’s newest version, and every event since a time in order', async () => {
    const latest = new Map<string, number>();
    for await (const batch of store.scanLatest({ batchSize: 3 }))
      for (const e of batch) latest.set(e.movieId, e.version);
    expect(latest.get('hist')).toBe(5);
    expect(latest.get('contended')).toBe(2);
    expect(latest.get('relay-a')).toBe(2);
    const since: string[] = [];
    for await (const batch of store.eventsSince('2026-01-01T00:41:00.000Z', 2)) since.push(...batch.map((e) => e.id));
    expect(since).toEqual(['relay-a:1', 'relay-a:2']);
  });

  it('reports health', async () => {
    expect(await store.health()).toBe('embedded');
  });
});

/**
 * Event delivery end to end, through the local host with the real Event Grid client, the embedded
 * Cosmos server, the run's Elasticsearch (the embedded read store when the run has none; CI always has one)
 * and a Redis of the test's own: duplicates, shuffled order,
 * publish failures recovered by the relay, projector failures retried, poison events dead-lettered and
 * redriven, and a late older update after a delete. After each scenario the convergence check reports
 * zero differences.
 */
import { AzureKeyCredential, EventGridPublisherClient } from '@azure/eventgrid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toCloudEvent } from '../../shared/adapters/eventgrid-publisher';
import { redrive } from '../../shared/operations/redrive';
import { verifyConvergence } from '../../shared/operations/verify';
import type { StoredEvent } from '../../shared/ports';
import { ReadStoreUnavailableError, type ReadStore } from '../../shared/read-model/port';
import { createSuiteReadStore, suiteReadStoreKind } from '../support/read-store';
import { TOPIC_KEY, captureLogger, startTestHost, type TestHost } from '../support/host';
import { redisUnavailableReason, startTestRedis, type TestRedis } from '../support/redis';
import { unavailable } from '../support/services';

const skip = unavailable('Redis', redisUnavailableReason());
const readStoreKind = suiteReadStoreKind('event delivery');

/** Read store wrapper whose faults the test switches on and off. */
interface FaultyStore extends ReadStore {
  /** Throw a transient error on the next n applies. */
  failNext: number;
  /** Throw a non-transient error for events of this movie (a projector bug) until cleared. */
  brokenFor: string | null;
  applies: number;
  /** Outcome of every apply that reached the store, in order. */
  readonly outcomes: string[];
}

function faulty(inner: ReadStore): FaultyStore {
  const store: FaultyStore = {
    ...inner,
    kind: inner.kind,
    failNext: 0,
    brokenFor: null,
    applies: 0,
    outcomes: [],
    async apply(entries, options) {
      store.applies++;
      if (store.failNext > 0) {
        store.failNext--;
        throw new ReadStoreUnavailableError('injected: read store unreachable');
      }
      const id = entries[0] && (entries[0].kind === 'movie' ? entries[0].movie.id : entries[0].id);
      if (store.brokenFor && id === store.brokenFor) throw new Error(`injected projector bug for ${id}`);
      const outcomes = await inner.apply(entries, options);
      store.outcomes.push(...outcomes);
      return outcomes;
    },
  };
  return store;
}

describe.skipIf(skip)('event delivery', () => {
  let host: TestHost;
  let redis: TestRedis;
  let store: FaultyStore;
  let client: EventGridPublisherClient<'CloudEvent'>;
  const MERGE = { 'content-type': 'application/merge-patch+json' };

  beforeAll(async () => {
    redis = await startTestRedis();
    store = faulty(createSuiteReadStore(readStoreKind, 'delivery'));
    host = await startTestHost({ env: { REDIS_URL: redis.url }, overrides: { readStore: store } });
    client = new EventGridPublisherClient(host.topicEndpoint, 'CloudEvent', new AzureKeyCredential(TOPIC_KEY), {
      allowInsecureConnection: true,
    });
  });
  afterAll(async () => {
    await host?.stop();
    await redis?.stop();
  });

  async function converged() {
    await host.settle();
    const report = await verifyConvergence(host.deps);
    expect(report.differences).toEqual([]);
    return report;
  }

  async function eventsOf(id: string): Promise<StoredEvent[]> {
    return (await host.deps.eventStore.history(id, { limit: 100 })).reverse();
  }

  /** Runs commands while the topic refuses every publish, so their events stay undispatched. */
  async function withTopicDown<T>(fn: () => Promise<T>): Promise<T> {
    host.topic.chaos = { rejectPublishRate: 1 };
    try {
      return await fn();
    } finally {
      host.topic.chaos = {};
    }
  }

  async function createMovie(title: string): Promise<string> {
    const res = await host.api('movies', { method: 'POST', body: { title, genres: ['Drama'] } });
    expect(res.status).toBe(201);
    return res.json.id as string;
  }

  async function patch(id: string, version: number, body: object) {
    const res = await host.api(`movies/${id}`, {
      method: 'PATCH',
      rawBody: JSON.stringify(body),
      headers: { ...MERGE, 'If-Match': `"${version}"` },
    });
    expect(res.status).toBe(200);
  }

  it('applies a movie delivered three times once, and the query shows it', async () => {
    const id = await withTopicDown(() => createMovie('Delivered thrice'));
    const [created] = await eventsOf(id);
    const applies = store.applies;
    const seen = store.outcomes.length;
    await client.send([toCloudEvent(created!), toCloudEvent(created!), toCloudEvent(created!)]);
    await host.settle();
    expect(store.applies - applies).toBe(3);
    expect(store.outcomes.slice(seen).sort()).toEqual(['applied', 'stale', 'stale']); // three deliveries, one effective write
    expect((await host.api(`movies/${id}`)).json).toMatchObject({ title: 'Delivered thrice', version: 1 });
    await host.runTimer('relay'); // the original, still undispatched, is delivered once more: harmless
    await converged();
  });

  it('converges whatever the delivery order of one movie’s versions', async () => {
    const id = await withTopicDown(async () => {
      const movie = await createMovie('Shuffled v1');
      for (let v = 1; v <= 5; v++) await patch(movie, v, { title: `Shuffled v${v + 1}` });
      return movie;
    });
    const events = await eventsOf(id);
    expect(events).toHaveLength(6);
    const shuffled = [events[5], events[2], events[0], events[4], events[1], events[3]].map((e) => toCloudEvent(e!));
    for (const e of shuffled) await client.send([e]);
    await host.settle();
    expect((await host.api(`movies/${id}`)).json).toMatchObject({ title: 'Shuffled v6', version: 6 });
    await host.runTimer('relay');
    await converged();
  });

  it('recovers publish failures between store and publish through the relay', async () => {
    const ids = await withTopicDown(async () => {
      const created = await Promise.all([createMovie('Lost 1'), createMovie('Lost 2'), createMovie('Lost 3')]);
      const res = await host.api(`movies/${created[0]}`, {
        method: 'PATCH',
        rawBody: '{"runtimeMinutes":99}',
        headers: { ...MERGE, 'If-Match': '"1"' },
      });
      expect(res.status).toBe(200); // the command succeeds although its publish failed
      return created;
    });
    await host.settle();
    const before = await verifyConvergence(host.deps);
    expect(before.differences.filter((d) => ids.includes(d.id)).map((d) => d.problem)).toEqual([
      'missing',
      'missing',
      'missing',
    ]);
    expect((await host.deps.eventStore.undispatched(new Date().toISOString(), 100)).length).toBeGreaterThanOrEqual(4);
    await host.runTimer('relay');
    await converged();
    expect(await host.deps.eventStore.undispatched(new Date().toISOString(), 100)).toEqual([]);
    expect((await host.api(`movies/${ids[0]}`)).json).toMatchObject({ runtimeMinutes: 99, version: 2 });
  });

  it('retries projector failures (read store down) and then applies', async () => {
    store.failNext = 3;
    const retries = host.topic.stats.retries;
    const id = await createMovie('Retried');
    await host.settle();
    expect(host.topic.stats.retries - retries).toBe(3);
    expect(await store.get(id)).toMatchObject({ kind: 'movie', movie: { title: 'Retried' } });
    await converged();
  });

  it('dead-letters a poison event without blocking others, and a redrive after the fix applies it', async () => {
    const poisonId = await withTopicDown(() => createMovie('Hits a projector bug'));
    store.brokenFor = poisonId;
    const [poison] = await eventsOf(poisonId);
    const healthyId = await withTopicDown(() => createMovie('Unaffected'));
    const [healthy] = await eventsOf(healthyId);
    const garbage = { id: 'garbage-1', source: 'test', type: 'Movies.MovieCreated.v1', data: { nonsense: true } };
    await client.send([toCloudEvent(poison!), garbage, toCloudEvent(healthy!)]);
    await host.settle();
    expect(await store.get(healthyId)).toMatchObject({ kind: 'movie' });
    const letters = await host.deps.deadLetters.list();
    expect(letters.map((l) => l.event.id).sort()).toEqual([`${poisonId}:1`, 'garbage-1'].sort());
    expect(letters.find((l) => l.event.id === 'garbage-1')?.reason).toMatch(/^poison:/);
    expect(letters.find((l) => l.event.id === `${poisonId}:1`)?.reason).toBe('MaxDeliveryAttemptsExceeded');
    // the fix: the projector handles it now; the garbage event stays unfixable and goes back
    store.brokenFor = null;
    const report = await redrive(host.deps, captureLogger());
    expect(report.redriven).toBe(2);
    await host.settle();
    expect(await store.get(poisonId)).toMatchObject({ kind: 'movie', movie: { title: 'Hits a projector bug' } });
    expect((await host.deps.deadLetters.list()).map((l) => l.event.id)).toEqual(['garbage-1']);
    for (const l of await host.deps.deadLetters.list()) await host.deps.deadLetters.remove(l.name);
    await host.runTimer('relay');
    await converged();
  });

  it('a late older update after a delete does not bring the movie back', async () => {
    const id = await withTopicDown(async () => {
      const movie = await createMovie('Deleted for good');
      await patch(movie, 1, { title: 'Updated before delete' });
      expect((await host.api(`movies/${movie}`, { method: 'DELETE', headers: { 'If-Match': '"2"' } })).status).toBe(
        204,
      );
      return movie;
    });
    const [v1, v2, v3] = await eventsOf(id);
    await client.send([toCloudEvent(v1!)]);
    await host.settle();
    expect((await host.api(`movies/${id}`)).status).toBe(200);
    await client.send([toCloudEvent(v3!)]);
    await host.settle();
    expect((await host.api(`movies/${id}`)).status).toBe(404);
    await client.send([toCloudEvent(v2!), toCloudEvent(v1!)]); // late and older
    await host.settle();
    expect((await host.api(`movies/${id}`)).status).toBe(404);
    expect(await store.get(id)).toMatchObject({ kind: 'tombstone', version: 3 });
    const search = await host.api(`movies?q=${encodeURIComponent('Deleted for good')}`);
    expect(search.json.items.map((m: { id: string }) => m.id)).not.toContain(id);
    await host.runTimer('relay');
    const report = await converged();
    expect(report.tombstones).toBe(1); // the one movie this suite deletes, checked as a tombstone
  });
});

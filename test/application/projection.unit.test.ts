/**
 * The projection on the in-memory ports (embedded read store, in-memory cache): parse (poison events),
 * the version rules (duplicates and stale deliveries are no-ops, whatever the order), the id/version
 * agreement of state and metadata, tombstones, the exact per-movie cache invalidation that follows every
 * projection, and the bounded staleness of cached searches (a TTL, not invalidated by writes).
 */
import { describe, expect, it } from 'vitest';
import { cloudEventEnvelope } from '../../shared/adapters/eventgrid-publisher';
import type { MovieEvent } from '../../shared/domain/events';
import type { MovieState } from '../../shared/domain/movie';
import type { CloudEventEnvelope, StoredEvent } from '../../shared/ports';
import { PoisonEventError, entryOfStored, parseMovieEvent, project } from '../../shared/read-model/projection';
import { findMovies, readMovie } from '../../shared/read-model/queries';
import { projector } from '../../functions/projector';
import { invocationContext, memoryApp, type MemoryApp } from '../support/memory';

const CREATED_AT = '2026-01-01T00:00:00.000Z';

function stored(
  movieId: string,
  version: number,
  title: string,
  type: MovieEvent['type'] = version === 1 ? 'MovieCreated' : 'MovieUpdated',
): StoredEvent {
  const at = `2026-01-01T00:0${version}:00.000Z`;
  const state: MovieState = { id: movieId, version, title, createdAt: CREATED_AT, updatedAt: at };
  return {
    type,
    state,
    changed: ['title'],
    metadata: { movieId, version, occurredAt: at, correlationId: 'c' },
    id: `${movieId}:${version}`,
    movieId,
    version,
    dispatched: true,
  };
}
const delivered = (movieId: string, version: number, title: string, type?: MovieEvent['type']): CloudEventEnvelope =>
  cloudEventEnvelope(stored(movieId, version, title, type));

const titleIn = async (app: MemoryApp, id: string) => {
  const entry = await app.readStore.get(id);
  return entry?.kind === 'movie'
    ? `${entry.movie.title} v${entry.movie.version}`
    : entry
      ? `tombstone v${entry.version}`
      : null;
};

describe('parsing a delivered event', () => {
  const good = delivered('m1', 2, 'Alien');

  it('returns the movie event a CloudEvent carries (data as an object or as a JSON string)', () => {
    expect(parseMovieEvent(good)).toEqual({
      type: 'MovieUpdated',
      state: { id: 'm1', version: 2, title: 'Alien', createdAt: CREATED_AT, updatedAt: '2026-01-01T00:02:00.000Z' },
      changed: ['title'],
      metadata: { movieId: 'm1', version: 2, occurredAt: '2026-01-01T00:02:00.000Z', correlationId: 'c' },
    });
    expect(parseMovieEvent({ ...good, data: JSON.stringify(good.data) })).toEqual(parseMovieEvent(good));
  });

  const poison: Array<[string, CloudEventEnvelope, string]> = [
    ['an unknown type', { ...good, type: 'Movies.MovieRated.v1' }, 'unknown event type "Movies.MovieRated.v1"'],
    ['data that is not JSON', { ...good, data: '{not json' }, 'event data is not valid JSON'],
    [
      'data without a state',
      { ...good, data: { ...(good.data as object), state: undefined } },
      'event m1:2 data is not a movie event: state:',
    ],
    [
      'data with two bad fields (each named)',
      {
        ...good,
        data: {
          ...(good.data as { state: object; metadata: object }),
          state: { ...(good.data as { state: object }).state, title: undefined },
          metadata: { ...(good.data as { metadata: object }).metadata, version: 0 },
        },
      },
      'event m1:2 data is not a movie event: state.title: Invalid input: expected string, received undefined; metadata.version: Too small: expected number to be >=1',
    ],
    [
      'a CloudEvent type that disagrees with the data',
      { ...good, type: 'Movies.MovieDeleted.v1' },
      'event m1:2 type Movies.MovieDeleted.v1 carries MovieUpdated',
    ],
  ];
  it.each(poison)('refuses %s as poison', (_what, event, message) => {
    expect(() => parseMovieEvent(event)).toThrow(PoisonEventError);
    expect(() => parseMovieEvent(event)).toThrow(message);
  });

  it.each([null, 'Movies.MovieCreated.v1', 42])('refuses a delivery that is not an object (%j) as poison', (event) => {
    expect(() => parseMovieEvent(event as unknown as CloudEventEnvelope)).toThrow(
      new PoisonEventError('event is not an object'),
    );
    expect(() => parseMovieEvent(event as unknown as CloudEventEnvelope)).toThrow(
      expect.objectContaining({ name: 'PoisonEventError', message: 'event is not an object' }),
    );
  });

  const data = good.data as { state: MovieState; metadata: { movieId: string; version: number } };
  const disagreeing: Array<[string, unknown]> = [
    ['state id', { ...data, state: { ...data.state, id: 'm2' } }],
    ['metadata movieId', { ...data, metadata: { ...data.metadata, movieId: 'm2' } }],
    ['state version', { ...data, state: { ...data.state, version: 3 } }],
    ['metadata version', { ...data, metadata: { ...data.metadata, version: 1 } }],
  ];
  it.each(disagreeing)(
    'refuses an event whose %s disagrees with the other half (state and metadata must agree on id and version)',
    (_what, badData) => {
      expect(() => parseMovieEvent({ ...good, data: badData })).toThrow(
        'event m1:2 state and metadata disagree on id or version',
      );
    },
  );
});

describe('the read entry of a stored event (rebuild and verify)', () => {
  it('a live version is the movie with its year; a delete is a tombstone with its version and time', () => {
    const live = stored('m1', 1, 'Alien');
    expect(entryOfStored({ ...live, state: { ...live.state, releaseDate: '1979-05-25' } })).toEqual({
      kind: 'movie',
      movie: {
        id: 'm1',
        version: 1,
        title: 'Alien',
        releaseDate: '1979-05-25',
        year: 1979,
        createdAt: CREATED_AT,
        updatedAt: '2026-01-01T00:01:00.000Z',
      },
    });
    expect(entryOfStored(stored('m1', 2, 'Alien', 'MovieDeleted'))).toEqual({
      kind: 'tombstone',
      id: 'm1',
      version: 2,
      deletedAt: '2026-01-01T00:02:00.000Z',
    });
  });
});

describe('projecting into the read store', () => {
  it('applies the newest version; a duplicate and an older (stale) delivery are no-ops', async () => {
    const app = await memoryApp();
    expect((await project(delivered('m1', 1, 'Alien'), app.deps)).outcome).toBe('applied');
    expect((await project(delivered('m1', 3, 'Alien 3'), app.deps)).outcome).toBe('applied');
    expect((await project(delivered('m1', 3, 'Alien 3'), app.deps)).outcome).toBe('stale');
    expect((await project(delivered('m1', 2, 'Aliens'), app.deps)).outcome).toBe('stale');
    expect(await titleIn(app, 'm1')).toBe('Alien 3 v3');
  });

  it('every delivery order of three versions ends at the newest', async () => {
    // order -> how many deliveries are applied (the rest are stale no-ops)
    const orders: Array<[number[], number]> = [
      [[1, 2, 3], 3],
      [[1, 3, 2], 2],
      [[2, 1, 3], 2],
      [[2, 3, 1], 2],
      [[3, 1, 2], 1],
      [[3, 2, 1], 1],
    ];
    for (const [order, applied] of orders) {
      const app = await memoryApp();
      const outcomes = [];
      for (const v of order) outcomes.push((await project(delivered('m1', v, `T${v}`), app.deps)).outcome);
      expect(await titleIn(app, 'm1'), order.join()).toBe('T3 v3');
      expect(outcomes.filter((o) => o === 'applied').length, order.join()).toBe(applied);
    }
  });

  it('a delete leaves a tombstone; a late older update cannot resurrect the movie', async () => {
    const app = await memoryApp();
    await project(delivered('m1', 1, 'Alien'), app.deps);
    await project(delivered('m1', 3, 'Alien', 'MovieDeleted'), app.deps);
    expect((await project(delivered('m1', 2, 'Aliens'), app.deps)).outcome).toBe('stale');
    expect(await titleIn(app, 'm1')).toBe('tombstone v3');
    await expect(readMovie('m1', undefined, app.deps, app.log)).rejects.toMatchObject({ status: 404 });
    expect((await findMovies({ sort: 'title', limit: 10 }, app.deps, app.log)).page.items).toEqual([]);
  });

  it('reports the lag from the event time to the projection', async () => {
    const app = await memoryApp({ now: '2026-01-01T00:01:02.500Z' });
    expect(await project(delivered('m1', 1, 'Alien'), app.deps)).toEqual({
      movieId: 'm1',
      version: 1,
      outcome: 'applied',
      lagMs: 2500,
    });
  });

  it('a read store that is down makes the projection throw (the delivery is retried), and the retry applies', async () => {
    const app = await memoryApp();
    app.readStore.down = true;
    await expect(project(delivered('m1', 1, 'Alien'), app.deps)).rejects.toThrow('injected: read store unreachable');
    app.readStore.down = false;
    expect((await project(delivered('m1', 1, 'Alien'), app.deps)).outcome).toBe('applied');
  });
});

describe('cache invalidation after a projection', () => {
  it('a cached movie is not served after a newer version is projected', async () => {
    const app = await memoryApp();
    await project(delivered('m1', 1, 'Alien'), app.deps);
    expect(await readMovie('m1', undefined, app.deps, app.log)).toMatchObject({ cache: 'MISS', movie: { version: 1 } });
    expect(await readMovie('m1', undefined, app.deps, app.log)).toMatchObject({ cache: 'HIT', movie: { version: 1 } });
    await project(delivered('m1', 2, 'Aliens'), app.deps);
    expect(await readMovie('m1', undefined, app.deps, app.log)).toMatchObject({
      cache: 'MISS',
      movie: { version: 2, title: 'Aliens' },
    });
  });

  it('a reader that read the old version while the projection ran cannot put it back in the cache', async () => {
    const app = await memoryApp();
    await project(delivered('m1', 1, 'Alien'), app.deps);
    const inner = app.readStore.get.bind(app.readStore);
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    app.readStore.get = async (id) => {
      const entry = await inner(id); // reads v1 ...
      await released; // ... and stalls while v2 is projected
      return entry;
    };
    const racing = readMovie('m1', undefined, app.deps, app.log);
    await new Promise((resolve) => setImmediate(resolve));
    app.readStore.get = inner;
    await project(delivered('m1', 2, 'Aliens'), app.deps);
    release();
    expect(await racing).toMatchObject({ cache: 'MISS', movie: { version: 1 } });
    expect(await readMovie('m1', undefined, app.deps, app.log)).toMatchObject({
      cache: 'MISS',
      movie: { version: 2, title: 'Aliens' },
    });
    expect(await readMovie('m1', undefined, app.deps, app.log)).toMatchObject({
      cache: 'HIT',
      movie: { version: 2, title: 'Aliens' },
    });
  });

  it('a projection does not invalidate cached searches: they are served until their TTL (10 s here), then read again', async () => {
    const app = await memoryApp({ now: '2026-01-01T00:00:00.000Z', searchCacheTtlSeconds: 10 });
    await project(delivered('m1', 1, 'Alien'), app.deps);
    const query = { q: 'alien', sort: 'relevance' as const, limit: 10 };
    expect((await findMovies(query, app.deps, app.log)).cache).toBe('MISS');
    await project(delivered('m2', 1, 'Alien Resurrection'), app.deps);
    app.setNow('2026-01-01T00:00:09.999Z');
    const stale = await findMovies(query, app.deps, app.log);
    expect(stale.cache).toBe('HIT');
    expect(stale.page.items.map((m) => m.id)).toEqual(['m1']);
    app.setNow('2026-01-01T00:00:10.000Z');
    const after = await findMovies(query, app.deps, app.log);
    expect(after.cache).toBe('MISS');
    expect(after.page.items.map((m) => m.id).sort()).toEqual(['m1', 'm2']);
  });

  it('a deleted movie disappears from a cached get at once, and from a cached search within its TTL', async () => {
    const app = await memoryApp({ now: '2026-01-01T00:00:00.000Z', searchCacheTtlSeconds: 10 });
    await project(delivered('m1', 1, 'Alien'), app.deps);
    await readMovie('m1', undefined, app.deps, app.log);
    await findMovies({ sort: 'title', limit: 10 }, app.deps, app.log);
    await project(delivered('m1', 2, 'Alien', 'MovieDeleted'), app.deps);
    await expect(readMovie('m1', undefined, app.deps, app.log)).rejects.toMatchObject({ status: 404 });
    app.setNow('2026-01-01T00:00:10.000Z');
    expect((await findMovies({ sort: 'title', limit: 10 }, app.deps, app.log)).page.total).toBe(0);
  });

  it('a stale delivery still invalidates (it may be the retry of a delivery whose invalidation failed)', async () => {
    const app = await memoryApp();
    await project(delivered('m1', 1, 'Alien'), app.deps);
    await readMovie('m1', undefined, app.deps, app.log);
    app.cache.down = true;
    await expect(project(delivered('m1', 2, 'Aliens'), app.deps)).rejects.toThrow('injected: cache server unreachable');
    app.cache.down = false;
    expect((await project(delivered('m1', 2, 'Aliens'), app.deps)).outcome).toBe('stale');
    expect(await readMovie('m1', undefined, app.deps, app.log)).toMatchObject({ cache: 'MISS', movie: { version: 2 } });
  });
});

describe('the projector function', () => {
  it('dead-letters a poison event with the reason and acknowledges it (no retry)', async () => {
    const app = await memoryApp({ now: '2026-01-01T01:00:00.000Z' });
    const bad = { ...delivered('m1', 2, 'Alien'), type: 'Movies.Unknown.v1' };
    await projector.handler(bad, invocationContext('projector'), app.deps);
    expect(await app.deps.deadLetters.list()).toEqual([
      expect.objectContaining({
        subscription: 'projector',
        event: bad,
        reason: 'poison: unknown event type "Movies.Unknown.v1"',
        deliveryAttempts: 1,
        deadLetteredAt: '2026-01-01T01:00:00.000Z',
      }),
    ]);
    expect(app.readStore.calls.apply).toBe(0);
  });

  it('a transient fault throws so the delivery is retried, and dead-letters nothing', async () => {
    const app = await memoryApp();
    app.readStore.down = true;
    await expect(
      projector.handler(delivered('m1', 1, 'Alien'), invocationContext('projector'), app.deps),
    ).rejects.toThrow();
    expect(await app.deps.deadLetters.list()).toEqual([]);
  });
});

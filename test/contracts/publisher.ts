/**
 * The EventPublisher contract: the Event Grid publisher (the real @azure/eventgrid client against a
 * wire-level topic endpoint) and the in-memory publisher run this same suite. `received()` is what the
 * topic accepted, as CloudEvents on the wire; `setDown(true)` makes the topic refuse every publish.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { MovieEvent } from '../../shared/domain/events';
import type { CloudEventEnvelope, DependencyStatus, EventPublisher, StoredEvent } from '../../shared/ports';

export interface PublisherHarness {
  readonly publisher: EventPublisher;
  /** Events accepted since the last call (drains). */
  received(): Promise<CloudEventEnvelope[]>;
  setDown(down: boolean): void;
  /** health() before any publish and after an accepted one. */
  readonly health: DependencyStatus;
}

const TRACEPARENT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

function stored(movieId: string, version: number, type: MovieEvent['type'], traceparent?: string): StoredEvent {
  const at = `2026-01-01T00:0${version}:00.000Z`;
  return {
    type,
    state: {
      id: movieId,
      version,
      title: `${movieId} v${version}`,
      genres: ['Drama'],
      createdAt: '2026-01-01T00:01:00.000Z',
      updatedAt: at,
    },
    changed: ['title'],
    metadata: {
      movieId,
      version,
      occurredAt: at,
      correlationId: `c-${version}`,
      ...(traceparent ? { traceparent } : {}),
    },
    id: `${movieId}:${version}`,
    movieId,
    version,
    dispatched: false,
  };
}

export function publisherContract(name: string, open: () => Promise<PublisherHarness>): void {
  describe(`EventPublisher contract: ${name}`, () => {
    let h: PublisherHarness;
    beforeAll(async () => {
      h = await open();
    });

    it('publishes a stored event as a CloudEvent 1.0: id, source, type, subject, time, data and the traceparent extension', async () => {
      expect(await h.publisher.health()).toBe(h.health);
      await h.publisher.publish([stored('m1', 2, 'MovieUpdated', TRACEPARENT)]);
      expect(await h.received()).toEqual([
        {
          specversion: '1.0',
          id: 'm1:2',
          source: '/movie-catalog/movies',
          type: 'Movies.MovieUpdated.v1',
          subject: 'movies/m1',
          time: '2026-01-01T00:02:00.000Z',
          datacontenttype: 'application/json',
          data: {
            type: 'MovieUpdated',
            state: {
              id: 'm1',
              version: 2,
              title: 'm1 v2',
              genres: ['Drama'],
              createdAt: '2026-01-01T00:01:00.000Z',
              updatedAt: '2026-01-01T00:02:00.000Z',
            },
            changed: ['title'],
            metadata: {
              movieId: 'm1',
              version: 2,
              occurredAt: '2026-01-01T00:02:00.000Z',
              correlationId: 'c-2',
              traceparent: TRACEPARENT,
            },
          },
          traceparent: TRACEPARENT,
        },
      ]);
      expect(await h.publisher.health()).toBe(h.health);
    });

    it('publishes a batch in order; an event without traceparent carries no extension; an empty batch sends nothing', async () => {
      await h.publisher.publish([
        stored('m2', 1, 'MovieCreated'),
        stored('m2', 2, 'MovieUpdated'),
        stored('m2', 3, 'MovieDeleted'),
      ]);
      await h.publisher.publish([]);
      const got = await h.received();
      expect(got.map((e) => [e.id, e.type])).toEqual([
        ['m2:1', 'Movies.MovieCreated.v1'],
        ['m2:2', 'Movies.MovieUpdated.v1'],
        ['m2:3', 'Movies.MovieDeleted.v1'],
      ]);
      expect(got[0]).not.toHaveProperty('traceparent');
    });

    it('publishRaw re-publishes a received CloudEvent as it was (redrive keeps id, type and extensions)', async () => {
      const raw: CloudEventEnvelope = {
        specversion: '1.0',
        id: 'm3:7',
        source: '/movie-catalog/movies',
        type: 'Movies.MovieCreated.v1',
        subject: 'movies/m3',
        time: '2026-01-01T00:07:00.000Z',
        datacontenttype: 'application/json',
        data: { anything: ['as', 'it', 'was'] },
        traceparent: TRACEPARENT,
      };
      await h.publisher.publishRaw([raw]);
      expect(await h.received()).toEqual([raw]);
    });

    it('a topic that refuses: publish and publishRaw throw, nothing is accepted, health is down until a publish succeeds', async () => {
      h.setDown(true);
      try {
        await expect(h.publisher.publish([stored('m4', 1, 'MovieCreated')])).rejects.toThrow();
        await expect(
          h.publisher.publishRaw([{ specversion: '1.0', id: 'x', source: 's', type: 't' }]),
        ).rejects.toThrow();
        expect(await h.publisher.health()).toBe('down');
      } finally {
        h.setDown(false);
      }
      expect(await h.received()).toEqual([]);
      await h.publisher.publish([stored('m4', 1, 'MovieCreated')]);
      expect((await h.received()).map((e) => e.id)).toEqual(['m4:1']);
      expect(await h.publisher.health()).toBe(h.health);
    });
  });
}

/**
 * EventStore in memory: the same contract as the Cosmos store (test/contracts/event-store.ts pins both).
 * Documents are copied in and out, as a JSON round trip through a server would, so a caller that mutates
 * what it got back cannot change the stored history.
 */
import { eventId, type MovieEvent } from '../domain/events';
import { ConcurrencyConflictError } from '../errors';
import { scanLatestPages, type DependencyStatus, type EventStore, type StoredEvent } from '../ports';

const copy = <T>(value: T): T => structuredClone(value);

/** Oldest first by event time; ties by id, so the order is total. */
const byTime = (a: StoredEvent, b: StoredEvent) =>
  a.metadata.occurredAt < b.metadata.occurredAt
    ? -1
    : a.metadata.occurredAt > b.metadata.occurredAt
      ? 1
      : a.id < b.id
        ? -1
        : a.id > b.id
          ? 1
          : 0;

function* chunks<T>(items: readonly T[], size: number): Iterable<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}

export function createMemoryEventStore(): EventStore {
  const docs = new Map<string, StoredEvent>();
  /** Per movie, the versions it has (an index, so per-movie reads do not scan every document). */
  const versions = new Map<string, number[]>();
  /** Movies with a version 1 (what the keyset scan pages), sorted on demand and kept until the next one. */
  const firstVersions = new Set<string>();
  let sortedIds: string[] | null = null;
  const ofMovie = (movieId: string) =>
    [...(versions.get(movieId) ?? [])].sort((a, b) => b - a).map((v) => docs.get(eventId(movieId, v))!);
  /** Index of the first id in `ids` greater than `after` (binary search). */
  const firstAfter = (ids: readonly string[], after: string) => {
    let lo = 0;
    let hi = ids.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (ids[mid]! <= after) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const store: EventStore = {
    async init() {},
    async append(event: MovieEvent) {
      const { movieId, version } = event.metadata;
      const id = eventId(movieId, version);
      if (docs.has(id)) throw new ConcurrencyConflictError(movieId, version);
      const doc: StoredEvent = { ...copy(event), id, movieId, version, dispatched: false };
      docs.set(id, doc);
      versions.set(movieId, [...(versions.get(movieId) ?? []), version]);
      if (version === 1) {
        firstVersions.add(movieId);
        sortedIds = null;
      }
      return copy(doc);
    },
    async latest(movieId) {
      const [newest] = ofMovie(movieId);
      return newest ? copy(newest) : null;
    },
    async get(movieId, version) {
      const doc = docs.get(eventId(movieId, version));
      return doc && doc.movieId === movieId ? copy(doc) : null;
    },
    async history(movieId, page) {
      const before = page.beforeVersion ?? Number.MAX_SAFE_INTEGER;
      return ofMovie(movieId)
        .filter((e) => e.version < before)
        .slice(0, Math.trunc(page.limit))
        .map(copy);
    },
    async undispatched(occurredBefore, limit) {
      return [...docs.values()]
        .filter((e) => !e.dispatched && e.metadata.occurredAt < occurredBefore)
        .sort(byTime)
        .slice(0, Math.trunc(limit))
        .map(copy);
    },
    async markDispatched({ movieId, version }) {
      const id = eventId(movieId, version);
      const doc = docs.get(id);
      if (doc && !doc.dispatched) docs.set(id, { ...doc, dispatched: true });
    },
    async latestPage({ afterMovieId, limit }) {
      sortedIds ??= [...firstVersions].sort();
      const from = afterMovieId === undefined ? 0 : firstAfter(sortedIds, afterMovieId);
      const ids = sortedIds.slice(from, from + Math.max(1, Math.trunc(limit)));
      const items = ids.map((id) => copy(ofMovie(id)[0]!));
      return { items, next: ids.length >= limit ? (ids.at(-1) ?? null) : null };
    },
    async countMovies() {
      return firstVersions.size;
    },
    scanLatest(scan) {
      return scanLatestPages(store, scan);
    },
    async *eventsSince(since, batchSize = 500) {
      yield* chunks(
        [...docs.values()]
          .filter((e) => e.metadata.occurredAt >= since)
          .sort(byTime)
          .map(copy),
        batchSize,
      );
    },
    async health(): Promise<DependencyStatus> {
      return 'embedded';
    },
  };
  return store;
}

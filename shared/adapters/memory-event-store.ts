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

/** Index of the first id in `ids` greater than `after` (binary search). */
function firstAfter(ids: readonly string[], after: string): number {
  let lo = 0;
  let hi = ids.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ids[mid]! <= after) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** A set of ids paged in order by keyset: sorted on demand, and kept sorted until the next id comes. */
function idKeyset() {
  const ids = new Set<string>();
  let sorted: string[] | null = null;
  return {
    add(id: string): void {
      ids.add(id);
      sorted = null;
    },
    size: (): number => ids.size,
    /** Up to `limit` (at least one) ids strictly after `after`, in order. */
    page(after: string | undefined, limit: number): string[] {
      sorted ??= [...ids].sort();
      const from = after === undefined ? 0 : firstAfter(sorted, after);
      return sorted.slice(from, from + Math.max(1, Math.trunc(limit)));
    },
  };
}

/** Per movie, the versions it has (an index, so per-movie reads do not scan every document). */
function versionIndex() {
  const versions = new Map<string, number[]>();
  return {
    add(movieId: string, version: number): void {
      versions.set(movieId, [...(versions.get(movieId) ?? []), version]);
    },
    newestFirst: (movieId: string): number[] => [...(versions.get(movieId) ?? [])].sort((a, b) => b - a),
  };
}

export function createMemoryEventStore(): EventStore {
  const docs = new Map<string, StoredEvent>();
  const versions = versionIndex();
  /** Movies with a version 1: what the keyset scan pages. */
  const movieIds = idKeyset();
  const ofMovie = (movieId: string) => versions.newestFirst(movieId).map((v) => docs.get(eventId(movieId, v))!);
  /** Copies of the documents `keep` selects, oldest first, at most `limit`. */
  const oldestFirst = (keep: (e: StoredEvent) => boolean, limit = Infinity) =>
    [...docs.values()].filter(keep).sort(byTime).slice(0, limit).map(copy);
  const store: EventStore = {
    async init() {},
    async append(event: MovieEvent) {
      const { movieId, version } = event.metadata;
      const id = eventId(movieId, version);
      if (docs.has(id)) throw new ConcurrencyConflictError(movieId, version);
      const doc: StoredEvent = { ...copy(event), id, movieId, version, dispatched: false };
      docs.set(id, doc);
      versions.add(movieId, version);
      if (version === 1) movieIds.add(movieId);
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
      return oldestFirst((e) => !e.dispatched && e.metadata.occurredAt < occurredBefore, Math.trunc(limit));
    },
    async markDispatched({ movieId, version }) {
      const id = eventId(movieId, version);
      const doc = docs.get(id);
      if (doc && !doc.dispatched) docs.set(id, { ...doc, dispatched: true });
    },
    async latestPage({ afterMovieId, limit }) {
      const ids = movieIds.page(afterMovieId, limit);
      const items = ids.map((id) => copy(ofMovie(id)[0]!));
      return { items, next: ids.length >= limit ? (ids.at(-1) ?? null) : null };
    },
    countMovies: async () => movieIds.size(),
    scanLatest: (scan) => scanLatestPages(store, scan),
    async *eventsSince(since, batchSize = 500) {
      yield* chunks(
        oldestFirst((e) => e.metadata.occurredAt >= since),
        batchSize,
      );
    },
    health: async (): Promise<DependencyStatus> => 'embedded',
  };
  return store;
}

/**
 * The read model port: what the projector writes and the queries read. Implemented by the
 * Elasticsearch adapter and by the embedded (MiniSearch) store; one contract test suite pins both.
 */
import type { Movie, MpaaRating } from '../domain/movie';

/** A live movie document, or a tombstone left by a delete so a late older update cannot resurrect it. */
export type ReadEntry =
  | { readonly kind: 'movie'; readonly movie: Movie }
  | { readonly kind: 'tombstone'; readonly id: string; readonly version: number; readonly deletedAt: string };

export const SORT_KEYS = ['relevance', 'title', '-title', 'year', '-year', 'rating', '-rating'] as const;
export type SortKey = (typeof SORT_KEYS)[number];

export interface SearchQuery {
  /**
   * Full text over title (weighted highest), director and description: every word must match (stop words
   * aside), exactly, within the typo tolerance of its length, or (the last word) as a prefix; exact matches
   * rank first. When no movie has every word, the store answers with movies having any of them (`match`).
   */
  readonly q?: string;
  /** Any of these genres, case-insensitive. */
  readonly genres?: readonly string[];
  /** Director whose name has every word given (`Spielberg`, `steven spielberg`), case-insensitive. */
  readonly director?: string;
  readonly mpaaRating?: MpaaRating;
  readonly yearFrom?: number;
  readonly yearTo?: number;
  /** imdbRating >= minRating. */
  readonly minRating?: number;
  readonly sort: SortKey;
  /** 1..100 */
  readonly limit: number;
  /** Opaque cursor from a previous page's nextCursor (search_after); invalid -> InvalidCursorError. */
  readonly cursor?: string;
  /**
   * The match mode of the query's first page, carried by its cursor: the next pages keep it, so a page
   * never switches between all-words and any-word results. Absent: the store decides (all, else any).
   */
  readonly match?: MatchMode;
}

export interface Facet<V extends string | number = string> {
  readonly value: V;
  readonly count: number;
}

/** `all`: every word of `q` matched; `any`: none had them all, so these match some of the words. */
export type MatchMode = 'all' | 'any';

/**
 * Facet counts. Each honours every filter but its own, so the count next to a value is the total that
 * selecting it (instead of the current value of that filter) would give.
 */
export interface Facets {
  /** count descending, then value. */
  readonly genres: Facet[];
  /** count descending, then value. */
  readonly mpaaRatings: Facet[];
  /** The decade's first year (1980 = 1980..1989), ascending; selected with yearFrom/yearTo. */
  readonly decades: Facet<number>[];
}

export interface SearchPage {
  readonly items: Movie[];
  /** null on the last page. */
  readonly nextCursor: string | null;
  /** Exact number of live movies matching the query and filters. */
  readonly total: number;
  readonly match: MatchMode;
  readonly facets: Facets;
}

export interface SuggestQuery {
  /** Partial input of a search box: title words, the last one possibly unfinished. */
  readonly q: string;
  /** 1..10 */
  readonly limit: number;
}

export interface Suggestion {
  readonly id: string;
  readonly title: string;
  readonly year?: number;
}

export type ApplyOutcome = 'applied' | 'stale';

/** Raised for a cursor that cannot be decoded or belongs to another sort. */
export class InvalidCursorError extends Error {
  constructor(message = 'cursor is not valid for this query') {
    super(message);
    this.name = 'InvalidCursorError';
  }
}

/** Raised when the store cannot be reached (the projector retries; a query answers 503). */
export class ReadStoreUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ReadStoreUnavailableError';
  }
}

export interface ReadStore {
  /** 'elasticsearch' or 'embedded', reported at start-up and by /api/health. */
  readonly kind: 'elasticsearch' | 'embedded';
  /** Creates the versioned index and the alias if missing. Idempotent. */
  init(): Promise<void>;
  /**
   * Applies entries with external versioning: an entry whose version is not newer than the stored one
   * is a no-op ('stale'), never an error. `index` targets a physical index (rebuild); default the alias.
   * `refresh: true` returns only once the writes are visible to search (Elasticsearch `refresh=wait_for`).
   * The projector does not ask for it: `get` is realtime, and searches see a write within the store's
   * refresh interval.
   */
  apply(entries: readonly ReadEntry[], options?: { index?: string; refresh?: boolean }): Promise<ApplyOutcome[]>;
  /** One entry by id, tombstones included (queries hide them; verification needs them). Realtime: sees
   *  every applied write at once, refreshed or not. */
  get(id: string): Promise<ReadEntry | null>;
  /** Search and list; tombstones never appear. */
  search(query: SearchQuery): Promise<SearchPage>;
  /** Titles for a search box's autocomplete: every word of `q` in the title, the last one as a prefix. */
  suggest(query: SuggestQuery): Promise<Suggestion[]>;
  /**
   * Every entry, tombstones included, in batches in id order (verification), strictly after `afterId`
   * when given: a keyset, so a scan resumes from the last id it saw.
   */
  scan(batchSize?: number, afterId?: string): AsyncIterable<ReadEntry[]>;
  /** Makes recent writes visible to search (Elasticsearch refresh); a no-op where writes are visible at once. */
  refresh(): Promise<void>;
  health(): Promise<'up' | 'down'>;
  /**
   * Rebuild primitives. A name for a new physical index of the current mapping version, that no index of
   * the alias has yet (nothing is created: a rebuild notes it in its checkpoint first).
   */
  newIndexName(): Promise<string>;
  /**
   * Creates the empty physical index `name` (from newIndexName), set up for loading. Idempotent: an
   * index of that name already there is the one a step that died after creating it made, and is kept.
   */
  createIndex(name: string): Promise<void>;
  /** Atomically points the alias at `index`; returns the physical indices it pointed at before. */
  swapAlias(index: string): Promise<string[]>;
  deleteIndex(index: string): Promise<void>;
  /** Physical index the alias points at now. */
  currentIndex(): Promise<string | null>;
  close(): Promise<void>;
}

/** A new physical index, named and created in one go: for callers with no checkpoint between the two (benches, tests). */
export async function createNewIndex(store: Pick<ReadStore, 'newIndexName' | 'createIndex'>): Promise<string> {
  const name = await store.newIndexName();
  await store.createIndex(name);
  return name;
}

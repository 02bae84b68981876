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
  /** Full text over title (weighted highest), director and description. */
  readonly q?: string;
  /** Any of these genres (exact). */
  readonly genres?: readonly string[];
  /** Whole director name, case-insensitive. */
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
}

export interface Facet {
  readonly value: string;
  readonly count: number;
}

export interface SearchPage {
  readonly items: Movie[];
  /** null on the last page. */
  readonly nextCursor: string | null;
  /** Exact number of live movies matching the query and filters. */
  readonly total: number;
  readonly facets: { readonly genres: Facet[] };
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
   * `refresh: true` returns only once the writes are visible to search (Elasticsearch `refresh=wait_for`),
   * so a search cached after the projector's invalidation cannot miss them.
   */
  apply(entries: readonly ReadEntry[], options?: { index?: string; refresh?: boolean }): Promise<ApplyOutcome[]>;
  /** One entry by id, tombstones included (queries hide them; verification needs them). */
  get(id: string): Promise<ReadEntry | null>;
  /** Search and list; tombstones never appear. */
  search(query: SearchQuery): Promise<SearchPage>;
  /** Every entry, tombstones included, in batches (verification). */
  scan(batchSize?: number): AsyncIterable<ReadEntry[]>;
  /** Makes recent writes visible to search (Elasticsearch refresh); a no-op where writes are visible at once. */
  refresh(): Promise<void>;
  health(): Promise<'up' | 'down'>;
  /** Rebuild primitives: a new empty physical index for the current mapping version. */
  createIndex(): Promise<string>;
  /** Atomically points the alias at `index`; returns the physical indices it pointed at before. */
  swapAlias(index: string): Promise<string[]>;
  deleteIndex(index: string): Promise<void>;
  /** Physical index the alias points at now. */
  currentIndex(): Promise<string | null>;
  close(): Promise<void>;
}

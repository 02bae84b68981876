/**
 * Query semantics shared by every ReadStore: query normalisation, filters, sort order with its
 * tie-breaker, the cursor format and the facet order. The Elasticsearch adapter translates these into a
 * search request; the embedded store evaluates them directly. Either way there is one definition.
 */
import { createHash } from 'node:crypto';
import { MOVIE_ID_PATTERN, type Movie } from '../domain/movie';
import {
  InvalidCursorError,
  SORT_KEYS,
  type Facet,
  type Facets,
  type ReadEntry,
  type SearchQuery,
  type SortKey,
  type SuggestQuery,
} from './port';
import { queryTerms, standardTokens } from './text';

/** Facets report at most this many genres. */
export const FACET_SIZE = 50;
export const MAX_LIMIT = 100;
export const MAX_SUGGESTIONS = 10;
/** Width of a decade facet bucket, in years. */
export const DECADE = 10;

/** Full-text fields and their weights (title highest). */
export const TEXT_FIELDS = { title: 3, director: 2, description: 1 } as const;

export type SortField = 'score' | 'title' | 'year' | 'rating';
export type SortDirection = 'asc' | 'desc';
export interface SortSpec {
  readonly field: SortField;
  readonly direction: SortDirection;
}

/** Every sort ends with the tie-breaker `id asc`; documents missing the sort value come last either way. */
export const SORT_SPECS: Readonly<Record<SortKey, SortSpec>> = {
  relevance: { field: 'score', direction: 'desc' },
  title: { field: 'title', direction: 'asc' },
  '-title': { field: 'title', direction: 'desc' },
  year: { field: 'year', direction: 'asc' },
  '-year': { field: 'year', direction: 'desc' },
  rating: { field: 'rating', direction: 'asc' },
  '-rating': { field: 'rating', direction: 'desc' },
};

/** A query after validation: blank text and empty lists mean "no constraint". */
export interface NormalizedQuery {
  readonly q: string | null;
  /** The words every match must have (see queryTerms); null without text. */
  readonly terms: readonly string[] | null;
  readonly filters: Filters;
  readonly sort: SortKey;
  readonly spec: SortSpec;
  readonly limit: number;
  readonly after: CursorPosition | null;
}

export interface Filters {
  /** Lower-cased: genres compare case-insensitively. */
  readonly genres: readonly string[] | null;
  /** The words (standard tokens) the director's name must all have; empty matches nothing. */
  readonly director: readonly string[] | null;
  /** Lower-cased. */
  readonly mpaaRating: string | null;
  readonly yearFrom: number | null;
  readonly yearTo: number | null;
  readonly minRating: number | null;
}

export function normalizeQuery(query: SearchQuery): NormalizedQuery {
  if (!(SORT_KEYS as readonly string[]).includes(query.sort)) throw new RangeError(`unknown sort '${query.sort}'`);
  if (!Number.isInteger(query.limit) || query.limit < 1 || query.limit > MAX_LIMIT) {
    throw new RangeError(`limit must be an integer in 1..${MAX_LIMIT}`);
  }
  const q = query.q?.trim() ? query.q.trim() : null;
  const terms = q === null ? null : queryTerms(q);
  const director = query.director?.trim() ? standardTokens(query.director) : null;
  return {
    q,
    // Text without a single word (punctuation only) asks for nothing: it matches no movie.
    terms,
    filters: {
      genres: query.genres && query.genres.length > 0 ? query.genres.map((g) => g.toLowerCase()) : null,
      director,
      mpaaRating: query.mpaaRating?.toLowerCase() ?? null,
      yearFrom: query.yearFrom ?? null,
      yearTo: query.yearTo ?? null,
      minRating: query.minRating ?? null,
    },
    sort: query.sort,
    spec: SORT_SPECS[query.sort],
    limit: query.limit,
    after: query.cursor === undefined ? null : decodeCursor(query.sort, query.cursor),
  };
}

/**
 * The lower-cased director name that mapping v1 stores as `directorLower` (the whole-name filter before
 * issue 14; the filter now matches name words). Kept so documents still fit the v1 mapping without a rebuild.
 */
export function directorKey(director: string): string {
  return director.trim().toLowerCase();
}

/** The value the title sort orders by. */
export function titleSortKey(title: string): string {
  return title.toLowerCase();
}

/**
 * The imdbRating as Elasticsearch holds it: a `float` field stores 32-bit values, so filters and sorts
 * compare the rounded value. The embedded store rounds the same way so both agree on every edge.
 */
export function ratingKey(rating: number): number {
  return Math.fround(rating);
}

/** The filters that have a facet; each facet is counted with every filter but its own. */
export type FacetFilter = 'genres' | 'mpaaRating' | 'years';

/** True when a live movie passes every filter but `except` (AND of all; genres is any-of). */
export function matchesFilters(movie: Movie, f: Filters, except?: FacetFilter): boolean {
  if (except !== 'genres' && f.genres && !(movie.genres ?? []).some((g) => f.genres!.includes(g.toLowerCase())))
    return false;
  if (f.director !== null) {
    const words = new Set(standardTokens(movie.director ?? ''));
    if (f.director.length === 0 || !f.director.every((w) => words.has(w))) return false;
  }
  if (except !== 'mpaaRating' && f.mpaaRating !== null && movie.mpaaRating?.toLowerCase() !== f.mpaaRating)
    return false;
  if (except !== 'years') {
    if (f.yearFrom !== null && (movie.year === undefined || movie.year < f.yearFrom)) return false;
    if (f.yearTo !== null && (movie.year === undefined || movie.year > f.yearTo)) return false;
  }
  if (
    f.minRating !== null &&
    (movie.imdbRating === undefined || ratingKey(movie.imdbRating) < ratingKey(f.minRating))
  ) {
    return false;
  }
  return true;
}

/** The decade a year falls in, as its first year (1984 -> 1980). */
export function decadeOf(year: number): number {
  return Math.floor(year / DECADE) * DECADE;
}

/** Every facet over `movies` (the text matches, before filters), each without its own filter. */
export function facetsOf(movies: readonly Movie[], f: Filters): Facets {
  const genres = new Map<string, number>();
  const ratings = new Map<string, number>();
  const decades = new Map<number, number>();
  const add = <K>(counts: Map<K, number>, key: K) => counts.set(key, (counts.get(key) ?? 0) + 1);
  for (const m of movies) {
    if (matchesFilters(m, f, 'genres')) for (const g of new Set(m.genres ?? [])) add(genres, g);
    if (m.mpaaRating !== undefined && matchesFilters(m, f, 'mpaaRating')) add(ratings, m.mpaaRating);
    if (m.year !== undefined && matchesFilters(m, f, 'years')) add(decades, decadeOf(m.year));
  }
  return {
    genres: byCount(genres),
    mpaaRatings: byCount(ratings),
    decades: [...decades].map(([value, count]) => ({ value, count })).sort((a, b) => a.value - b.value),
  };
}

function byCount(counts: Map<string, number>): Facet[] {
  return [...counts]
    .map(([value, count]) => ({ value, count }))
    .sort((a, b) => b.count - a.count || compareCodePoints(a.value, b.value))
    .slice(0, FACET_SIZE);
}

export interface NormalizedSuggestQuery {
  readonly terms: readonly string[];
  readonly limit: number;
}

export function normalizeSuggestQuery(query: SuggestQuery): NormalizedSuggestQuery {
  if (!Number.isInteger(query.limit) || query.limit < 1 || query.limit > MAX_SUGGESTIONS) {
    throw new RangeError(`limit must be an integer in 1..${MAX_SUGGESTIONS}`);
  }
  return { terms: queryTerms(query.q), limit: query.limit };
}

/** A point in a sort order: the sort value (null = missing) and the id that breaks ties. */
export interface CursorPosition {
  readonly value: string | number | null;
  readonly id: string;
}

/** The sort value of a movie for a non-relevance sort field. */
export function sortValueOf(movie: Movie, field: Exclude<SortField, 'score'>): string | number | null {
  switch (field) {
    case 'title':
      return titleSortKey(movie.title);
    case 'year':
      return movie.year ?? null;
    case 'rating':
      return movie.imdbRating === undefined ? null : ratingKey(movie.imdbRating);
    default: {
      const unreachable: never = field;
      throw new Error(`unknown sort field ${String(unreachable)}`);
    }
  }
}

/** Position of a hit; `score` is used only by the relevance sort. */
export function positionOf(spec: SortSpec, movie: Movie, score: number): CursorPosition {
  return { value: spec.field === 'score' ? score : sortValueOf(movie, spec.field), id: movie.id };
}

/** Orders strings by Unicode code point, as Elasticsearch orders keyword values (UTF-8 bytes). */
export function compareCodePoints(a: string, b: string): number {
  if (a === b) return 0;
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const ca = ia.next();
    const cb = ib.next();
    if (ca.done) return cb.done ? 0 : -1;
    if (cb.done) return 1;
    const d = ca.value.codePointAt(0)! - cb.value.codePointAt(0)!;
    if (d !== 0) return d;
  }
}

/** The total order of a sort: value in the sort's direction, missing values last, then id ascending. */
export function comparePositions(spec: SortSpec, a: CursorPosition, b: CursorPosition): number {
  const byValue = compareValues(spec.direction, a.value, b.value);
  return byValue !== 0 ? byValue : compareCodePoints(a.id, b.id);
}

function compareValues(direction: SortDirection, a: string | number | null, b: string | number | null): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? 1 : -1;
  const d = typeof a === 'number' && typeof b === 'number' ? a - b : compareCodePoints(String(a), String(b));
  const sign = Math.sign(d);
  return direction === 'asc' ? sign : -sign;
}

// ---- cursor -------------------------------------------------------------------------------------------

const CURSOR_VERSION = 1;

/** A short digest naming the sort a cursor belongs to (and the cursor format version). */
function sortFingerprint(sort: SortKey): string {
  return createHash('sha256').update(`v${CURSOR_VERSION}:${sort}`).digest('base64url').slice(0, 10);
}

/** Opaque base64url cursor: sort fingerprint plus the position of the last item returned. */
export function encodeCursor(sort: SortKey, position: CursorPosition): string {
  return Buffer.from(JSON.stringify([sortFingerprint(sort), position.value, position.id]), 'utf8').toString(
    'base64url',
  );
}

/** Decodes a cursor for `sort`; anything malformed or made for another sort -> InvalidCursorError. */
export function decodeCursor(sort: SortKey, cursor: string): CursorPosition {
  if (typeof cursor !== 'string' || cursor.length === 0 || cursor.length > 2048 || !/^[A-Za-z0-9_-]+$/.test(cursor)) {
    throw new InvalidCursorError();
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError();
  }
  if (!Array.isArray(parsed) || parsed.length !== 3) throw new InvalidCursorError();
  const [fingerprint, value, id] = parsed as [unknown, unknown, unknown];
  if (fingerprint !== sortFingerprint(sort)) throw new InvalidCursorError('cursor belongs to another sort');
  if (typeof id !== 'string' || !MOVIE_ID_PATTERN.test(id)) throw new InvalidCursorError();
  if (!valueFitsField(SORT_SPECS[sort].field, value)) throw new InvalidCursorError();
  return { value: value as string | number | null, id };
}

function valueFitsField(field: SortField, value: unknown): boolean {
  switch (field) {
    case 'score':
      return typeof value === 'number' && Number.isFinite(value);
    case 'title':
      return value === null || typeof value === 'string';
    case 'year':
      return value === null || (typeof value === 'number' && Number.isInteger(value));
    case 'rating':
      return value === null || (typeof value === 'number' && Number.isFinite(value));
    default: {
      const unreachable: never = field;
      return unreachable;
    }
  }
}

// ---- entries ------------------------------------------------------------------------------------------

/** Rejects entries no store may hold (ids are used as document ids; versions as external versions). */
export function assertValidEntry(entry: ReadEntry): void {
  const id = entryId(entry);
  const version = entryVersion(entry);
  if (!MOVIE_ID_PATTERN.test(id)) throw new TypeError(`invalid movie id '${id}'`);
  if (!Number.isSafeInteger(version) || version < 1) throw new TypeError(`invalid version ${version} for '${id}'`);
}

export function entryId(entry: ReadEntry): string {
  return entry.kind === 'movie' ? entry.movie.id : entry.id;
}

export function entryVersion(entry: ReadEntry): number {
  return entry.kind === 'movie' ? entry.movie.version : entry.version;
}

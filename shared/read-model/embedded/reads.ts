/**
 * Reads of one physical index, evaluating the shared semantics directly: a search page (filters, sort,
 * cursor, facets), suggestions, and every entry in id order (scan). Results are copies. Each takes the
 * index as a getter, called once the arguments are checked: a bad query is a RangeError even before init.
 */
import type { MatchMode, ReadEntry, SearchPage, SearchQuery, Suggestion, SuggestQuery } from '../port';
import {
  TEXT_FIELDS,
  compareCodePoints,
  comparePositions,
  encodeCursor,
  entryId,
  facetsOf,
  matchesFilters,
  normalizeQuery,
  normalizeSuggestQuery,
  positionOf,
  titleSortKey,
  type CursorPosition,
  type NormalizedQuery,
} from '../search-semantics';
import { copy, liveMovies, textMatches, type PhysicalIndex, type Scored } from './physical-index';

/** The movies a query's text selects (every live one without text), before filters. */
function candidatesOf(index: PhysicalIndex, nq: NormalizedQuery, match: MatchMode): Scored[] {
  return nq.terms === null ? liveMovies(index) : textMatches(index, nq.terms, match, Object.keys(TEXT_FIELDS));
}

/** Index of the first element satisfying `isAfter` in an array where it is false, then true. */
export function firstAfter<T>(sorted: readonly T[], isAfter: (item: T) => boolean): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (isAfter(sorted[mid]!)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** The page of matches after the cursor, and the cursor after it when more follow. */
function pageOf(nq: NormalizedQuery, matching: readonly Scored[]): Pick<SearchPage, 'items' | 'nextCursor' | 'total'> {
  const ordered = matching
    .map((c) => ({ movie: c.movie, position: positionOf(nq.spec, c.movie, c.score) }))
    .sort((a, b) => comparePositions(nq.spec, a.position, b.position));
  const after: CursorPosition | null = nq.after;
  const start = after === null ? 0 : firstAfter(ordered, (row) => comparePositions(nq.spec, row.position, after) > 0);
  const page = ordered.slice(start, start + nq.limit + 1);
  const items = page.slice(0, nq.limit);
  const last = items[items.length - 1];
  return {
    items: items.map((row) => copy(row.movie)),
    nextCursor: page.length > nq.limit && last ? encodeCursor(nq.sort, last.position) : null,
    total: ordered.length,
  };
}

/** A search page; without a match mode, a query of several words no movie has all of matches any of them. */
export function searchIndex(indexOf: () => PhysicalIndex, query: SearchQuery): SearchPage {
  const nq = normalizeQuery(query);
  const index = indexOf();
  let match: MatchMode = query.match ?? 'all';
  let candidates = candidatesOf(index, nq, match);
  let matching = candidates.filter((c) => matchesFilters(c.movie, nq.filters));
  if (query.match === undefined && matching.length === 0 && nq.terms !== null && nq.terms.length > 1) {
    match = 'any';
    candidates = candidatesOf(index, nq, match);
    matching = candidates.filter((c) => matchesFilters(c.movie, nq.filters));
  }
  return {
    ...pageOf(nq, matching),
    match,
    facets: facetsOf(
      candidates.map((c) => c.movie),
      nq.filters,
    ),
  };
}

/** Every word in the title, the last as a prefix; best score, then title, then id. */
export function suggestIndex(indexOf: () => PhysicalIndex, query: SuggestQuery): Suggestion[] {
  const { terms, limit } = normalizeSuggestQuery(query);
  return textMatches(indexOf(), terms, 'all', ['title'])
    .sort(
      (a, b) =>
        b.score - a.score ||
        compareCodePoints(titleSortKey(a.movie.title), titleSortKey(b.movie.title)) ||
        compareCodePoints(a.movie.id, b.movie.id),
    )
    .slice(0, limit)
    .map(({ movie }) => ({
      id: movie.id,
      title: movie.title,
      ...(movie.year !== undefined ? { year: movie.year } : {}),
    }));
}

/** A snapshot of every entry, tombstones included, in batches in id order, strictly after `afterId`. */
export function* scanIndex(indexOf: () => PhysicalIndex, batchSize = 500, afterId?: string): Generator<ReadEntry[]> {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError('batchSize must be a positive integer');
  const snapshot = [...indexOf().docs.values()]
    .filter((e) => afterId === undefined || compareCodePoints(entryId(e), afterId) > 0)
    .sort((a, b) => compareCodePoints(entryId(a), entryId(b)));
  for (let i = 0; i < snapshot.length; i += batchSize) yield snapshot.slice(i, i + batchSize).map(copy);
}

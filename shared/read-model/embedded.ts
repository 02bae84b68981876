/**
 * The read model in memory, for local runs without Elasticsearch: a Map of documents per physical index
 * (same external-version rule), MiniSearch for full text, and the shared query semantics from ./query.
 */
import MiniSearch, { type SearchOptions, type SearchResult } from 'minisearch';
import type { Movie } from '../domain/movie';
import {
  ReadStoreUnavailableError,
  type ApplyOutcome,
  type MatchMode,
  type ReadEntry,
  type ReadStore,
  type SearchPage,
  type SearchQuery,
  type Suggestion,
} from './port';
import {
  TEXT_FIELDS,
  assertValidEntry,
  comparePositions,
  compareCodePoints,
  encodeCursor,
  entryId,
  entryVersion,
  facetsOf,
  matchesFilters,
  normalizeQuery,
  normalizeSuggestQuery,
  positionOf,
  titleSortKey,
} from './search-semantics';
import { EXACT_WORD_BONUS, FUZZY_WEIGHT, PREFIX_WEIGHT, allowedEdits, standardTokens } from './text';

/**
 * MiniSearch options for the words of a query: the typo tolerance of each word's length (an integer is
 * an edit distance to MiniSearch) and a prefix match for the last word, both weighted below exact matches.
 * `all` needs every word in some field, `any` one of them: the Elasticsearch query, word for word.
 */
function textSearchOptions(match: MatchMode, fields: readonly string[]): SearchOptions {
  return {
    fields: [...fields],
    boost: Object.fromEntries(fields.map((f) => [f, TEXT_FIELDS[f as keyof typeof TEXT_FIELDS]])),
    combineWith: match === 'all' ? 'AND' : 'OR',
    fuzzy: (term: string) => allowedEdits(term) || false,
    prefix: (_term: string, index: number, terms: string[]) => index === terms.length - 1,
    weights: { fuzzy: FUZZY_WEIGHT, prefix: PREFIX_WEIGHT },
  };
}

/** MiniSearch's score plus the bonus for each query word the hit has exactly (see EXACT_WORD_BONUS). */
function scoreOf(hit: SearchResult, terms: readonly string[]): number {
  return hit.score + EXACT_WORD_BONUS * terms.filter((t) => hit.terms.includes(t)).length;
}

interface TextDoc {
  id: string;
  title: string;
  director?: string;
  description?: string;
}

interface PhysicalIndex {
  readonly docs: Map<string, ReadEntry>;
  readonly text: MiniSearch<TextDoc>;
}

function newIndex(): PhysicalIndex {
  return {
    docs: new Map(),
    // Every word indexed (stop words too: queries drop them, see queryTerms), fields summed with their
    // boosts as the Elasticsearch query does. Both stores match the same documents; only the scores
    // differ (both BM25 flavours, not bit-identical).
    text: new MiniSearch<TextDoc>({
      fields: Object.keys(TEXT_FIELDS),
      storeFields: [],
      tokenize: standardTokens,
      processTerm: (term) => term,
    }),
  };
}

function textDoc(movie: Movie): TextDoc {
  return { id: movie.id, title: movie.title, director: movie.director, description: movie.description };
}

const copy = <T>(value: T): T => structuredClone(value);

export function createEmbeddedReadStore(options: { alias?: string } = {}): ReadStore {
  const alias = options.alias ?? 'movies';
  const indices = new Map<string, PhysicalIndex>();
  let current: string | null = null;
  let counter = 0;

  function aliased(): PhysicalIndex {
    const index = current === null ? undefined : indices.get(current);
    if (!index) throw new ReadStoreUnavailableError(`read model alias '${alias}' does not exist; run init()`);
    return index;
  }

  function createIndex(): string {
    const name = `${alias}-embedded-${++counter}`;
    indices.set(name, newIndex());
    return name;
  }

  function applyOne(index: PhysicalIndex, entry: ReadEntry): ApplyOutcome {
    const id = entryId(entry);
    const stored = index.docs.get(id);
    if (stored && entryVersion(stored) >= entryVersion(entry)) return 'stale';
    index.docs.set(id, copy(entry));
    if (index.text.has(id)) index.text.discard(id);
    if (entry.kind === 'movie') index.text.add(textDoc(entry.movie));
    return 'applied';
  }

  return {
    kind: 'embedded',

    async init() {
      if (current === null) current = createIndex();
    },

    async apply(entries, opts) {
      entries.forEach(assertValidEntry);
      let index: PhysicalIndex;
      if (opts?.index === undefined) index = aliased();
      else {
        const named = indices.get(opts.index);
        if (!named) throw new Error(`index '${opts.index}' does not exist`);
        index = named;
      }
      return entries.map((entry) => applyOne(index, entry));
    },

    async get(id) {
      const entry = aliased().docs.get(id);
      return entry ? copy(entry) : null;
    },

    async search(query: SearchQuery): Promise<SearchPage> {
      const nq = normalizeQuery(query);
      const index = aliased();
      const textMatches = (match: MatchMode): Array<{ movie: Movie; score: number }> => {
        const found: Array<{ movie: Movie; score: number }> = [];
        if (nq.terms === null) {
          for (const entry of index.docs.values())
            if (entry.kind === 'movie') found.push({ movie: entry.movie, score: 0 });
          return found;
        }
        if (nq.terms.length === 0) return found;
        for (const hit of index.text.search(nq.terms.join(' '), textSearchOptions(match, Object.keys(TEXT_FIELDS)))) {
          const entry = index.docs.get(String(hit.id));
          if (entry?.kind === 'movie') found.push({ movie: entry.movie, score: scoreOf(hit, nq.terms) });
        }
        return found;
      };
      let match: MatchMode = query.match ?? 'all';
      let candidates = textMatches(match);
      let matching = candidates.filter((c) => matchesFilters(c.movie, nq.filters));
      if (query.match === undefined && matching.length === 0 && nq.terms !== null && nq.terms.length > 1) {
        match = 'any';
        candidates = textMatches('any');
        matching = candidates.filter((c) => matchesFilters(c.movie, nq.filters));
      }
      const ordered = matching
        .map((c) => ({ movie: c.movie, position: positionOf(nq.spec, c.movie, c.score) }))
        .sort((a, b) => comparePositions(nq.spec, a.position, b.position));
      const after = nq.after;
      const start =
        after === null ? 0 : firstAfter(ordered, (row) => comparePositions(nq.spec, row.position, after) > 0);
      const page = ordered.slice(start, start + nq.limit + 1);
      const hasMore = page.length > nq.limit;
      const items = page.slice(0, nq.limit);
      const last = items[items.length - 1];
      return {
        items: items.map((row) => copy(row.movie)),
        nextCursor: hasMore && last ? encodeCursor(nq.sort, last.position) : null,
        total: ordered.length,
        match,
        facets: facetsOf(
          candidates.map((c) => c.movie),
          nq.filters,
        ),
      };
    },

    async suggest(query): Promise<Suggestion[]> {
      const { terms, limit } = normalizeSuggestQuery(query);
      const index = aliased();
      if (terms.length === 0) return [];
      const hits: Array<{ movie: Movie; score: number }> = [];
      for (const hit of index.text.search(terms.join(' '), textSearchOptions('all', ['title']))) {
        const entry = index.docs.get(String(hit.id));
        if (entry?.kind === 'movie') hits.push({ movie: entry.movie, score: scoreOf(hit, terms) });
      }
      return hits
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
    },

    async *scan(batchSize = 500, afterId?: string) {
      if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError('batchSize must be a positive integer');
      const snapshot = [...aliased().docs.values()]
        .filter((e) => afterId === undefined || compareCodePoints(entryId(e), afterId) > 0)
        .sort((a, b) => compareCodePoints(entryId(a), entryId(b)));
      for (let i = 0; i < snapshot.length; i += batchSize) yield snapshot.slice(i, i + batchSize).map(copy);
    },

    async refresh() {},

    async health() {
      return 'up';
    },

    async createIndex() {
      return createIndex();
    },

    async swapAlias(index) {
      if (!indices.has(index)) throw new Error(`index '${index}' does not exist`);
      const before = current === null ? [] : [current];
      current = index;
      return before;
    },

    async deleteIndex(index) {
      if (index === current) throw new Error(`index '${index}' is behind alias '${alias}'; swap the alias first`);
      indices.delete(index);
    },

    async currentIndex() {
      return current;
    },

    async close() {},
  };
}

/** Index of the first element satisfying `isAfter` in an array where it is false, then true. */
function firstAfter<T>(sorted: readonly T[], isAfter: (item: T) => boolean): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (isAfter(sorted[mid]!)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * The read model in memory, for local runs without Elasticsearch: a Map of documents per physical index
 * (same external-version rule), MiniSearch for full text, and the shared query semantics from ./query.
 */
import MiniSearch from 'minisearch';
import type { Movie } from '../domain/movie';
import { ReadStoreUnavailableError, type ApplyOutcome, type ReadEntry, type ReadStore, type SearchPage, type SearchQuery } from './port';
import {
  TEXT_FIELDS,
  assertValidEntry,
  comparePositions,
  compareCodePoints,
  encodeCursor,
  entryId,
  entryVersion,
  genreFacets,
  matchesFilters,
  normalizeQuery,
  positionOf,
} from './query';

/**
 * Tokens as Elasticsearch's `standard` analyzer makes them (Unicode word boundaries, then lower case),
 * closely enough for a catalog: runs of letters, digits and connectors (`_`); an apostrophe, period or colon between
 * two letters and a period, comma or apostrophe between two digits stay inside a word ("don't", "u.s",
 * "3.5"); each Han or Hiragana character is a token of its own.
 */
const WORD = String.raw`(?:[^\s\p{P}\p{S}\p{No}\p{Script=Han}\p{Script=Hiragana}]|\p{Pc})+`;
const TOKEN = new RegExp(
  String.raw`[\p{Script=Han}\p{Script=Hiragana}]|${WORD}(?:(?:(?<=\p{L}\p{M}*)['’.:·](?=\p{L})|(?<=\p{N})[.,;'’](?=\p{N}))${WORD})*`,
  'gu',
);

export function standardTokens(text: string): string[] {
  return (text.match(TOKEN) ?? []).filter((t) => /[\p{L}\p{N}]/u.test(t)).map((t) => t.toLowerCase());
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
    // Whole-term matching, OR of the terms, fields summed with their boosts: the Elasticsearch query
    // (multi_match most_fields, standard analyzer). Prefix and fuzzy matching stay off so both stores match
    // the same documents; only the scores differ (both BM25 flavours, not bit-identical).
    text: new MiniSearch<TextDoc>({
      fields: Object.keys(TEXT_FIELDS),
      storeFields: [],
      tokenize: standardTokens,
      processTerm: (term) => term,
      searchOptions: { boost: { ...TEXT_FIELDS }, prefix: false, fuzzy: false, combineWith: 'OR' },
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
      let candidates: Array<{ movie: Movie; score: number }>;
      if (nq.q === null) {
        candidates = [];
        for (const entry of index.docs.values()) if (entry.kind === 'movie') candidates.push({ movie: entry.movie, score: 0 });
      } else {
        candidates = [];
        for (const hit of index.text.search(nq.q)) {
          const entry = index.docs.get(String(hit.id));
          if (entry?.kind === 'movie') candidates.push({ movie: entry.movie, score: hit.score });
        }
      }
      const matching = candidates
        .filter((c) => matchesFilters(c.movie, nq.filters))
        .map((c) => ({ movie: c.movie, position: positionOf(nq.spec, c.movie, c.score) }))
        .sort((a, b) => comparePositions(nq.spec, a.position, b.position));
      const after = nq.after;
      const start = after === null ? 0 : firstAfter(matching, (row) => comparePositions(nq.spec, row.position, after) > 0);
      const page = matching.slice(start, start + nq.limit + 1);
      const hasMore = page.length > nq.limit;
      const items = page.slice(0, nq.limit);
      const last = items[items.length - 1];
      return {
        items: items.map((row) => copy(row.movie)),
        nextCursor: hasMore && last ? encodeCursor(nq.sort, last.position) : null,
        total: matching.length,
        facets: { genres: genreFacets(matching.map((row) => row.movie)) },
      };
    },

    async *scan(batchSize = 500) {
      if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError('batchSize must be a positive integer');
      const snapshot = [...aliased().docs.values()].sort((a, b) => compareCodePoints(entryId(a), entryId(b)));
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

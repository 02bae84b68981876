/**
 * One physical index of the embedded store: a Map of entries by id (the external-version rule) and a
 * MiniSearch index of the live movies' text, kept in step by applyEntry.
 */
import MiniSearch from 'minisearch';
import type { Movie } from '../../domain/movie';
import type { ApplyOutcome, MatchMode, ReadEntry } from '../port';
import { TEXT_FIELDS, entryId, entryVersion } from '../search-semantics';
import { standardTokens } from '../text';
import { scoreOf, textSearchOptions } from './text-search';

interface TextDoc {
  id: string;
  title: string;
  director?: string;
  description?: string;
}

export interface PhysicalIndex {
  readonly docs: Map<string, ReadEntry>;
  readonly text: MiniSearch<TextDoc>;
}

/** A movie with its score for the query (0 without text). */
export interface Scored {
  readonly movie: Movie;
  readonly score: number;
}

/** Entries leave and enter the store as copies: callers never share state with it. */
export const copy = <T>(value: T): T => structuredClone(value);

export function newIndex(): PhysicalIndex {
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

/** Stores the entry unless the stored one has the same or a newer version ('stale'). */
export function applyEntry(index: PhysicalIndex, entry: ReadEntry): ApplyOutcome {
  const id = entryId(entry);
  const stored = index.docs.get(id);
  if (stored && entryVersion(stored) >= entryVersion(entry)) return 'stale';
  index.docs.set(id, copy(entry));
  if (index.text.has(id)) index.text.discard(id);
  if (entry.kind === 'movie') index.text.add(textDoc(entry.movie));
  return 'applied';
}

/** Every live movie, unscored. */
export function liveMovies(index: PhysicalIndex): Scored[] {
  const found: Scored[] = [];
  for (const entry of index.docs.values()) if (entry.kind === 'movie') found.push({ movie: entry.movie, score: 0 });
  return found;
}

/** The live movies with the query words in `fields` (see textSearchOptions), scored. */
export function textMatches(
  index: PhysicalIndex,
  terms: readonly string[],
  match: MatchMode,
  fields: readonly string[],
): Scored[] {
  const found: Scored[] = [];
  if (terms.length === 0) return found;
  for (const hit of index.text.search(terms.join(' '), textSearchOptions(match, fields))) {
    const entry = index.docs.get(String(hit.id));
    if (entry?.kind === 'movie') found.push({ movie: entry.movie, score: scoreOf(hit, terms) });
  }
  return found;
}

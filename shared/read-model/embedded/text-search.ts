/** MiniSearch options and scores for the words of a query: the Elasticsearch text query, word for word. */
import type { SearchOptions, SearchResult } from 'minisearch';
import type { MatchMode } from '../port';
import { TEXT_FIELDS } from '../search-semantics';
import { EXACT_WORD_BONUS, FUZZY_WEIGHT, PREFIX_WEIGHT, allowedEdits } from '../text';

/**
 * MiniSearch options for the words of a query: the typo tolerance of each word's length (an integer is
 * an edit distance to MiniSearch) and a prefix match for the last word, both weighted below exact matches.
 * `all` needs every word in some field, `any` one of them: the Elasticsearch query, word for word.
 */
export function textSearchOptions(match: MatchMode, fields: readonly string[]): SearchOptions {
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
export function scoreOf(hit: SearchResult, terms: readonly string[]): number {
  return hit.score + EXACT_WORD_BONUS * terms.filter((t) => hit.terms.includes(t)).length;
}

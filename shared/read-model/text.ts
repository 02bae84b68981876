/**
 * Text analysis shared by both read stores, so that they match the same documents: the tokens of
 * Elasticsearch's `standard` analyzer, the query-side stop words, and the typo tolerance per word length.
 */

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

/** Lucene's English stop words (Elasticsearch's `_english_` list). */
export const STOP_WORDS: ReadonlySet<string> = new Set([
  'a',
  'an',
  'and',
  'are',
  'as',
  'at',
  'be',
  'but',
  'by',
  'for',
  'if',
  'in',
  'into',
  'is',
  'it',
  'no',
  'not',
  'of',
  'on',
  'or',
  'such',
  'that',
  'the',
  'their',
  'then',
  'there',
  'these',
  'they',
  'this',
  'to',
  'was',
  'will',
  'with',
]);

/**
 * The words of a search: tokens without stop words, so `the godfather` asks for `godfather` only. A query
 * made of stop words alone (`it`, `to be`) keeps them, since dropping them would leave nothing to ask.
 * Documents are indexed with every word, so such queries still find their titles.
 */
export function queryTerms(text: string): string[] {
  const tokens = standardTokens(text);
  const words = tokens.filter((t) => !STOP_WORDS.has(t));
  return words.length > 0 ? words : tokens;
}

/**
 * Edits a word may be off by, as Elasticsearch's `fuzziness: AUTO` (AUTO:3,6) counts them: none below
 * 3 characters, one up to 5, two from 6 on. Both stores count plain Levenshtein edits (a swap of two
 * letters is two edits: Elasticsearch runs with `fuzzy_transpositions: false`).
 */
export function allowedEdits(term: string): 0 | 1 | 2 {
  const length = [...term].length;
  return length < 3 ? 0 : length < 6 ? 1 : 2;
}

/**
 * Score weights of a fuzzy and a prefix match relative to an exact one (both stores rank exact first). A
 * completion of the last word outweighs a typo: someone typing `termin` means `terminator`, not `train`.
 */
export const FUZZY_WEIGHT = 0.3;
export const PREFIX_WEIGHT = 0.5;
/**
 * Added to a hit's score for each query word it has exactly (in any field), so exact matches always rank
 * above typo and prefix matches (BM25 alone would put a completion in a short title above an exact word in
 * a long one); BM25 orders hits with as many exact words.
 */
export const EXACT_WORD_BONUS = 100;
/** Prefixes at least this long are scored term by term (BM25 of each completion); shorter ones are constant. */
export const SCORED_PREFIX_LENGTH = 3;

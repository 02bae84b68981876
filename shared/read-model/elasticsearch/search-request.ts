/**
 * The normalized query (../search-semantics) as Elasticsearch search requests: text, filters, facets, sort
 * and search_after for a search; title words for a suggestion. Pure: no client, no I/O.
 */
import type { estypes } from '@elastic/elasticsearch';
import type { MatchMode } from '../port';
import {
  DECADE,
  FACET_SIZE,
  TEXT_FIELDS,
  type CursorPosition,
  type FacetFilter,
  type Filters,
  type NormalizedQuery,
  type SortSpec,
} from '../search-semantics';
import { EXACT_WORD_BONUS, FUZZY_WEIGHT, PREFIX_WEIGHT, SCORED_PREFIX_LENGTH, allowedEdits } from '../text';

type Query = estypes.QueryDslQueryContainer;
type TextField = keyof typeof TEXT_FIELDS;

/** Sort-value stand-ins Elasticsearch uses for a missing value with `missing: _last`. */
const MISSING_SENTINEL: Record<'year' | 'rating', Record<'asc' | 'desc', number | string>> = {
  year: { asc: 2147483647, desc: -2147483648 },
  rating: { asc: 'Infinity', desc: '-Infinity' },
};

const SORT_FIELD_NAME = { title: 'titleSort', year: 'year', rating: 'imdbRating' } as const;

/** Tombstones are documents too; every query excludes them with this (a must_not clause). */
const DELETED: Query = { term: { deleted: true } };

/** The match clauses of one word in one field: exact, within its typo tolerance, as a prefix (last word). */
function fieldClauses(term: string, isLast: boolean, field: TextField): Query[] {
  const boost = TEXT_FIELDS[field];
  const edits = allowedEdits(term);
  const clauses: Query[] = [{ match: { [field]: { query: term, operator: 'and', boost } } }];
  if (edits > 0) {
    clauses.push({
      match: {
        [field]: {
          query: term,
          operator: 'and',
          fuzziness: edits,
          fuzzy_transpositions: false,
          max_expansions: 1000,
          prefix_length: 0,
          boost: boost * FUZZY_WEIGHT,
        },
      },
    });
  }
  if (isLast) {
    // A constant-score prefix would rank every completion alike, below any typo match; scoring each
    // completion (as the embedded store does) needs a bounded expansion, hence only from 3 letters on.
    const rewrite = [...term].length >= SCORED_PREFIX_LENGTH ? { rewrite: 'scoring_boolean' } : {};
    clauses.push({ prefix: { [field]: { value: term, boost: boost * PREFIX_WEIGHT, ...rewrite } } });
  }
  return clauses;
}

/**
 * One word of a query, in any of `fields`: exactly, within the typo tolerance of its length, or (the last
 * word of a query) as a prefix; the fuzzy and prefix clauses weigh less, so exact matches rank first.
 * Fuzzy and prefix expansions are not capped, so both stores match the same documents.
 */
export function wordClause(term: string, isLast: boolean, fields: readonly TextField[]): Query {
  const exact: Query = {
    constant_score: {
      filter: { multi_match: { query: term, fields: [...fields], operator: 'and' } },
      boost: EXACT_WORD_BONUS,
    },
  };
  const should = [exact, ...fields.flatMap((field) => fieldClauses(term, isLast, field))];
  return { bool: { should, minimum_should_match: 1 } };
}

/** The text query: every word (`all`) or at least one (`any`); no words at all matches nothing. */
export function textQuery(terms: readonly string[], match: MatchMode, fields: readonly TextField[]): Query {
  if (terms.length === 0) return { match_none: {} };
  const clauses = terms.map((term, i) => wordClause(term, i === terms.length - 1, fields));
  return match === 'all' ? { bool: { must: clauses } } : { bool: { should: clauses, minimum_should_match: 1 } };
}

/** Filters without a facet: they narrow the hits and every facet. */
export function plainFilters(f: Filters): Query[] {
  const clauses: Query[] = [];
  if (f.director !== null) {
    clauses.push(
      f.director.length === 0
        ? { match_none: {} }
        : { match: { director: { query: f.director.join(' '), operator: 'and' } } },
    );
  }
  if (f.minRating !== null) clauses.push({ range: { imdbRating: { gte: f.minRating } } });
  return clauses;
}

/** Filters with a facet (a post_filter on the hits); the facet of each is counted without it. */
export function facetFilters(f: Filters): Record<FacetFilter, Query | null> {
  return {
    genres: f.genres
      ? {
          bool: {
            should: f.genres.map((g) => ({ term: { genres: { value: g, case_insensitive: true } } })),
            minimum_should_match: 1,
          },
        }
      : null,
    mpaaRating:
      f.mpaaRating !== null ? { term: { mpaaRating: { value: f.mpaaRating, case_insensitive: true } } } : null,
    years:
      f.yearFrom !== null || f.yearTo !== null
        ? {
            range: {
              year: {
                ...(f.yearFrom !== null ? { gte: f.yearFrom } : {}),
                ...(f.yearTo !== null ? { lte: f.yearTo } : {}),
              },
            },
          }
        : null,
  };
}

/** The sort, then the tie-breaker `id asc`; a missing year or rating sorts last either way. */
export function sortClauses(spec: SortSpec): estypes.SortCombinations[] {
  const first: estypes.SortCombinations =
    spec.field === 'score'
      ? { _score: { order: 'desc' } }
      : { [SORT_FIELD_NAME[spec.field]]: { order: spec.direction, missing: '_last' } };
  return [first, { id: { order: 'asc' } }];
}

/** search_after for a cursor position: a missing value becomes the sentinel Elasticsearch sorted it by. */
export function searchAfter(spec: SortSpec, position: CursorPosition): Array<string | number | null> {
  const missing =
    position.value === null && (spec.field === 'year' || spec.field === 'rating')
      ? MISSING_SENTINEL[spec.field][spec.direction]
      : null;
  return [missing ?? position.value, position.id];
}

/** Each facet counted under every facet filter but its own. */
function facetAggregations(
  byFacet: Record<FacetFilter, Query | null>,
): Record<string, estypes.AggregationsAggregationContainer> {
  const others = (except: FacetFilter): Query[] =>
    (Object.entries(byFacet) as Array<[FacetFilter, Query | null]>)
      .filter(([k, q]) => k !== except && q !== null)
      .map(([, q]) => q!);
  const order: estypes.AggregationsAggregateOrder = [{ _count: 'desc' }, { _key: 'asc' }];
  return {
    genres: {
      filter: { bool: { filter: others('genres') } },
      aggs: { values: { terms: { field: 'genres', size: FACET_SIZE, order } } },
    },
    mpaaRatings: {
      filter: { bool: { filter: others('mpaaRating') } },
      aggs: { values: { terms: { field: 'mpaaRating', size: FACET_SIZE, order } } },
    },
    decades: {
      filter: { bool: { filter: others('years') } },
      aggs: { values: { histogram: { field: 'year', interval: DECADE, min_doc_count: 1 } } },
    },
  };
}

/**
 * The search request for a normalized query (exported for the benchmark's raw-client baseline): text in
 * `query`, filters without a facet there too, facet filters as a post_filter, and each facet aggregated
 * under every facet filter but its own. One hit more than the page, to tell whether another page follows.
 */
export function searchRequest(index: string, nq: NormalizedQuery, match: MatchMode): estypes.SearchRequest {
  const byFacet = facetFilters(nq.filters);
  const postFilter = Object.values(byFacet).filter((q): q is Query => q !== null);
  return {
    index,
    size: nq.limit + 1,
    track_total_hits: true,
    query: {
      bool: {
        must: nq.terms === null ? [] : [textQuery(nq.terms, match, Object.keys(TEXT_FIELDS) as TextField[])],
        filter: plainFilters(nq.filters),
        must_not: [DELETED],
      },
    },
    ...(postFilter.length > 0 ? { post_filter: { bool: { filter: postFilter } } } : {}),
    sort: sortClauses(nq.spec),
    ...(nq.after ? { search_after: searchAfter(nq.spec, nq.after) } : {}),
    aggs: facetAggregations(byFacet),
  };
}

/** The suggest request: every word in the title, the last as a prefix; best score, then title, then id. */
export function suggestRequest(index: string, terms: readonly string[], limit: number): estypes.SearchRequest {
  return {
    index,
    size: limit,
    track_total_hits: false,
    _source: ['id', 'title', 'year'],
    query: { bool: { must: [textQuery(terms, 'all', ['title'])], must_not: [DELETED] } },
    sort: [{ _score: { order: 'desc' } }, { titleSort: { order: 'asc' } }, { id: { order: 'asc' } }],
  };
}

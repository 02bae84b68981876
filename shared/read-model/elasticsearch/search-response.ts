/**
 * Elasticsearch search responses read back: hits as movies with their sort score, the exact total, the
 * facet buckets, the cursor of the next page, and suggestions. Pure: no client, no I/O.
 */
import type { estypes } from '@elastic/elasticsearch';
import type { Facet, Facets, MatchMode, SearchPage, Suggestion } from '../port';
import { decadeOf, encodeCursor, positionOf, type NormalizedQuery } from '../search-semantics';
import { toMovie } from './documents';

/** The aggregations searchRequest asks for. */
export type SearchAggregations = {
  genres: { values: estypes.AggregationsStringTermsAggregate };
  mpaaRatings: { values: estypes.AggregationsStringTermsAggregate };
  decades: { values: estypes.AggregationsHistogramAggregate };
};

export type SearchResponse = estypes.SearchResponse<Record<string, unknown>, SearchAggregations>;

export function totalOf(res: estypes.SearchResponse<unknown, unknown>): number {
  return typeof res.hits.total === 'number' ? res.hits.total : (res.hits.total?.value ?? 0);
}

function bucketsOf<B>(buckets: B[] | Record<string, B> | undefined): B[] {
  return Array.isArray(buckets) ? buckets : [];
}

function termFacets(agg: { values: estypes.AggregationsStringTermsAggregate } | undefined): Facet[] {
  return bucketsOf(agg?.values.buckets).map((b) => ({ value: String(b.key), count: b.doc_count }));
}

/** Facet buckets as the port reports them: decades by their first year. */
export function facetsFromAggregations(aggregations: SearchAggregations | undefined): Facets {
  return {
    genres: termFacets(aggregations?.genres),
    mpaaRatings: termFacets(aggregations?.mpaaRatings),
    decades: bucketsOf(aggregations?.decades.values.buckets).map((b) => ({
      value: decadeOf(Number(b.key)),
      count: b.doc_count,
    })),
  };
}

/**
 * The page of a search response (asked with one hit more than the page): a hit's score is its first sort
 * value when that is a number (the relevance sort), else its _score; the cursor points after the page's
 * last item, and only when that extra hit came back.
 */
export function searchPage(res: SearchResponse, nq: NormalizedQuery, match: MatchMode): SearchPage {
  const hits = res.hits.hits.map((hit) => ({
    movie: toMovie(hit._source ?? {}),
    score: typeof hit.sort?.[0] === 'number' ? hit.sort[0] : (hit._score ?? 0),
  }));
  const hasMore = hits.length > nq.limit;
  const items = hits.slice(0, nq.limit);
  const last = items[items.length - 1];
  return {
    items: items.map((h) => h.movie),
    nextCursor: hasMore && last ? encodeCursor(nq.sort, positionOf(nq.spec, last.movie, last.score)) : null,
    total: totalOf(res),
    match,
    facets: facetsFromAggregations(res.aggregations),
  };
}

/** Suggestions from the hits of a suggest request (its _source has id, title and year). */
export function suggestionsOf(res: estypes.SearchResponse<Record<string, unknown>>): Suggestion[] {
  return res.hits.hits.map((hit) => {
    const source = hit._source ?? {};
    return {
      id: String(source.id),
      title: String(source.title),
      ...(typeof source.year === 'number' ? { year: source.year } : {}),
    };
  });
}

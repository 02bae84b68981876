/**
 * Reads through the alias: an entry by id (realtime), a search page (all words, else any word when the
 * caller left the match mode open), suggestions, and every entry in id order (scan).
 */
import { errors, type Client, type estypes } from '@elastic/elasticsearch';
import { MOVIE_ID_PATTERN } from '../../domain/movie';
import type { MatchMode, ReadEntry, SearchPage, SearchQuery, Suggestion, SuggestQuery } from '../port';
import { normalizeQuery, normalizeSuggestQuery, type NormalizedQuery } from '../search-semantics';
import { toEntry } from './documents';
import { errorType, type AliasCall } from './requests';
import { searchRequest, suggestRequest } from './search-request';
import { searchPage, suggestionsOf, totalOf, type SearchAggregations, type SearchResponse } from './search-response';

export interface AliasContext {
  readonly client: Client;
  readonly alias: string;
  readonly onAlias: AliasCall;
}

export async function getEntry({ client, alias, onAlias }: AliasContext, id: string): Promise<ReadEntry | null> {
  if (!MOVIE_ID_PATTERN.test(id)) return null;
  try {
    const res = await onAlias('get', () => client.get<Record<string, unknown>>({ index: alias, id }));
    return res.found && res._source ? toEntry(res._source) : null;
  } catch (err) {
    // A missing document is a 404 with found=false; a missing alias stays an error.
    if (err instanceof errors.ResponseError && err.statusCode === 404 && errorType(err) === undefined) return null;
    throw err;
  }
}

function runSearch(ctx: AliasContext, nq: NormalizedQuery, match: MatchMode): Promise<SearchResponse> {
  return ctx.onAlias('search', () =>
    ctx.client.search<Record<string, unknown>, SearchAggregations>(searchRequest(ctx.alias, nq, match)),
  );
}

/** A search page; without a match mode, a query of several words no movie has all of matches any of them. */
export async function search(ctx: AliasContext, query: SearchQuery): Promise<SearchPage> {
  const nq = normalizeQuery(query);
  const match: MatchMode = query.match ?? 'all';
  const res = await runSearch(ctx, nq, match);
  if (query.match === undefined && totalOf(res) === 0 && nq.terms !== null && nq.terms.length > 1) {
    return searchPage(await runSearch(ctx, nq, 'any'), nq, 'any');
  }
  return searchPage(res, nq, match);
}

export async function suggest(ctx: AliasContext, query: SuggestQuery): Promise<Suggestion[]> {
  const { terms, limit } = normalizeSuggestQuery(query);
  if (terms.length === 0) return [];
  const res = await ctx.onAlias('suggest', () =>
    ctx.client.search<Record<string, unknown>>(suggestRequest(ctx.alias, terms, limit)),
  );
  return suggestionsOf(res);
}

/** Every entry, tombstones included, in batches in id order, strictly after `afterId` (a keyset). */
export async function* scan(ctx: AliasContext, batchSize = 500, afterId?: string): AsyncGenerator<ReadEntry[]> {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError('batchSize must be a positive integer');
  let after: estypes.SortResults | undefined = afterId === undefined ? undefined : [afterId];
  for (;;) {
    const res = await ctx.onAlias('scan', () =>
      ctx.client.search<Record<string, unknown>>({
        index: ctx.alias,
        size: batchSize,
        query: { match_all: {} },
        sort: [{ id: { order: 'asc' } }],
        ...(after ? { search_after: after } : {}),
      }),
    );
    const hits = res.hits.hits;
    if (hits.length > 0) yield hits.map((h) => toEntry(h._source ?? {}));
    if (hits.length < batchSize) return;
    after = hits[hits.length - 1]?.sort;
  }
}

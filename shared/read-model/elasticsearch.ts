/**
 * The read model on Elasticsearch 8.x: one physical index per mapping version behind an alias, documents
 * indexed with external versions, searches translated from the shared semantics in ./query.
 *
 * Works on a bare server (no analysis-common module): only built-in analyzers, no scripts, no _reindex;
 * the lower-cased keys for the director filter and the title sort are computed here and stored as keywords.
 */
import { Client, errors, type estypes } from '@elastic/elasticsearch';
import { MOVIE_ID_PATTERN, type Movie } from '../domain/movie';
import {
  ReadStoreUnavailableError,
  type ApplyOutcome,
  type Facet,
  type MatchMode,
  type ReadEntry,
  type ReadStore,
  type SearchPage,
  type SearchQuery,
  type Suggestion,
} from './port';
import {
  DECADE,
  FACET_SIZE,
  TEXT_FIELDS,
  assertValidEntry,
  decadeOf,
  directorKey,
  encodeCursor,
  entryId,
  entryVersion,
  normalizeQuery,
  normalizeSuggestQuery,
  positionOf,
  titleSortKey,
  type CursorPosition,
  type FacetFilter,
  type NormalizedQuery,
  type Filters,
  type SortSpec,
} from './search-semantics';
import { EXACT_WORD_BONUS, FUZZY_WEIGHT, PREFIX_WEIGHT, SCORED_PREFIX_LENGTH, allowedEdits } from './text';

type Query = estypes.QueryDslQueryContainer;
type TextField = keyof typeof TEXT_FIELDS;

/**
 * One word of a query, in any of `fields`: exactly, within the typo tolerance of its length, or (the last
 * word of a query) as a prefix; the fuzzy and prefix clauses weigh less, so exact matches rank first.
 * Fuzzy and prefix expansions are not capped, so both stores match the same documents.
 */
function wordClause(term: string, isLast: boolean, fields: readonly TextField[]): Query {
  const edits = allowedEdits(term);
  const should: Query[] = [
    {
      constant_score: {
        filter: { multi_match: { query: term, fields: [...fields], operator: 'and' } },
        boost: EXACT_WORD_BONUS,
      },
    },
  ];
  for (const field of fields) {
    const boost = TEXT_FIELDS[field];
    should.push({ match: { [field]: { query: term, operator: 'and', boost } } });
    if (edits > 0) {
      should.push({
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
      should.push({ prefix: { [field]: { value: term, boost: boost * PREFIX_WEIGHT, ...rewrite } } });
    }
  }
  return { bool: { should, minimum_should_match: 1 } };
}

/** The text query: every word (`all`) or at least one (`any`); no words at all matches nothing. */
function textQuery(terms: readonly string[], match: MatchMode, fields: readonly TextField[]): Query {
  if (terms.length === 0) return { match_none: {} };
  const clauses = terms.map((term, i) => wordClause(term, i === terms.length - 1, fields));
  return match === 'all' ? { bool: { must: clauses } } : { bool: { should: clauses, minimum_should_match: 1 } };
}

/** Bump on any mapping change; a new version means a new physical index and a rebuild. */
export const MAPPING_VERSION = 1;

/**
 * `dynamic: 'strict'`: a field the mapping does not know fails the write instead of being stored
 * unsearchable (`false`) or guessed (`true`). A domain field added without a mapping bump then shows up at
 * once as a projector error (the delivery is retried, then dead-lettered, so nothing is lost) rather than
 * as a filter that silently never matches.
 */
export const MOVIE_MAPPINGS: estypes.MappingTypeMapping = {
  dynamic: 'strict',
  properties: {
    id: { type: 'keyword' },
    version: { type: 'long' },
    title: { type: 'text', fields: { keyword: { type: 'keyword' } } },
    description: { type: 'text' },
    releaseDate: { type: 'date', format: 'strict_date' },
    year: { type: 'integer' },
    genres: { type: 'keyword' },
    director: { type: 'text', fields: { keyword: { type: 'keyword' } } },
    mpaaRating: { type: 'keyword' },
    runtimeMinutes: { type: 'integer' },
    imdbRating: { type: 'float' },
    imdbVotes: { type: 'long' },
    usGross: { type: 'long' },
    worldwideGross: { type: 'long' },
    productionBudget: { type: 'long' },
    distributor: { type: 'keyword' },
    createdAt: { type: 'date' },
    updatedAt: { type: 'date' },
    deleted: { type: 'boolean' },
    deletedAt: { type: 'date' },
    // Computed by this adapter (the server has no lowercase normalizer).
    titleSort: { type: 'keyword' },
    directorLower: { type: 'keyword' },
  },
};

const INDEX_SETTINGS: estypes.IndicesIndexSettings = {
  // One shard: exact terms-aggregation counts and one BM25 statistics space, so scores (and relevance
  // cursors) are stable from page to page.
  number_of_shards: 1,
  // A replica wherever a second node exists (Elastic Cloud), none on a single local node.
  auto_expand_replicas: '0-1',
  // How soon a write shows in searches (the projector does not wait for it; a GET by id is realtime):
  // part of the search staleness bound. A small catalog affords a short one.
  refresh_interval: '250ms',
};

/**
 * A rebuild's new index while it loads (nothing reads it before the swap): no refresh and no replica, so
 * each document is written once, no segment is made per refresh and no fsync per request. `swapAlias`
 * restores INDEX_SETTINGS
 * and refreshes before the index goes live.
 */
const LOADING_SETTINGS: estypes.IndicesIndexSettings = {
  refresh_interval: '-1',
  auto_expand_replicas: 'false',
  number_of_replicas: 0,
  // No fsync per bulk request while loading: a crash mid-load means loading again, never a live loss.
  translog: { durability: 'async' },
};

/** Bulk requests into a physical index (a rebuild's load): documents per request, requests in flight. */
export const LOAD_BULK_DOCUMENTS = 1_000;
export const LOAD_BULK_CONCURRENCY = 4;
/** Bulk requests through the alias in flight at once per store; more concurrent writes share requests. */
export const ALIAS_BULKS_IN_FLIGHT = 4;

const COMPUTED_FIELDS = ['deleted', 'titleSort', 'directorLower'] as const;

/** Sort-value stand-ins Elasticsearch uses for a missing value with `missing: _last`. */
const MISSING_SENTINEL: Record<'year' | 'rating', Record<'asc' | 'desc', number | string>> = {
  year: { asc: 2147483647, desc: -2147483648 },
  rating: { asc: 'Infinity', desc: '-Infinity' },
};

const SORT_FIELD_NAME = { title: 'titleSort', year: 'year', rating: 'imdbRating' } as const;

export interface ElasticsearchReadStoreOptions {
  readonly node: string;
  readonly apiKey?: string;
  /** Basic auth (a file-realm user of the read-store container), when there is no API key. */
  readonly username?: string;
  readonly password?: string;
  /** Alias the store reads and writes through; physical indices are `<alias>-v<MAPPING_VERSION>-<n>`. */
  readonly alias?: string;
  readonly requestTimeoutMs?: number;
  /** Client-level retries on connection errors and 502/503/504 (default 1: callers retry on their own). */
  readonly maxRetries?: number;
  /** A client to use instead of one built from node/apiKey (the store then does not close it). */
  readonly client?: Client;
}

type MovieDocument = Movie & { deleted: false; titleSort: string; directorLower?: string };
type TombstoneDocument = { id: string; version: number; deleted: true; deletedAt: string };
type Document = MovieDocument | TombstoneDocument;

function toDocument(entry: ReadEntry): Document {
  if (entry.kind === 'tombstone') {
    return { id: entry.id, version: entry.version, deleted: true, deletedAt: entry.deletedAt };
  }
  const { movie } = entry;
  return {
    ...movie,
    deleted: false,
    titleSort: titleSortKey(movie.title),
    ...(movie.director !== undefined ? { directorLower: directorKey(movie.director) } : {}),
  };
}

function toMovie(source: Record<string, unknown>): Movie {
  const movie: Record<string, unknown> = { ...source };
  for (const field of COMPUTED_FIELDS) delete movie[field];
  return movie as unknown as Movie;
}

function toEntry(source: Record<string, unknown>): ReadEntry {
  if (source.deleted === true) {
    return {
      kind: 'tombstone',
      id: String(source.id),
      version: Number(source.version),
      deletedAt: String(source.deletedAt),
    };
  }
  return { kind: 'movie', movie: toMovie(source) };
}

function isUnavailable(err: unknown): boolean {
  if (
    err instanceof errors.ConnectionError ||
    err instanceof errors.TimeoutError ||
    err instanceof errors.NoLivingConnectionsError ||
    err instanceof errors.RequestAbortedError
  ) {
    return true;
  }
  if (err instanceof errors.ResponseError) {
    const status = err.statusCode ?? 0;
    return status === 0 || status === 429 || status >= 500;
  }
  return false;
}

function isNotFound(err: unknown): boolean {
  return err instanceof errors.ResponseError && err.statusCode === 404;
}

function errorType(err: unknown): string | undefined {
  if (!(err instanceof errors.ResponseError)) return undefined;
  const body = err.body as { error?: { type?: string } } | undefined;
  return body?.error?.type;
}

/** Filters without a facet: they narrow the hits and every facet. */
function plainFilters(f: Filters): Query[] {
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
function facetFilters(f: Filters): Record<FacetFilter, Query | null> {
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

function sortClauses(spec: SortSpec): estypes.SortCombinations[] {
  const first: estypes.SortCombinations =
    spec.field === 'score'
      ? { _score: { order: 'desc' } }
      : { [SORT_FIELD_NAME[spec.field]]: { order: spec.direction, missing: '_last' } };
  return [first, { id: { order: 'asc' } }];
}

function searchAfter(spec: SortSpec, position: CursorPosition): Array<string | number | null> {
  const missing =
    position.value === null && (spec.field === 'year' || spec.field === 'rating')
      ? MISSING_SENTINEL[spec.field][spec.direction]
      : null;
  return [missing ?? position.value, position.id];
}

type SearchAggregations = {
  genres: { values: estypes.AggregationsStringTermsAggregate };
  mpaaRatings: { values: estypes.AggregationsStringTermsAggregate };
  decades: { values: estypes.AggregationsHistogramAggregate };
};

/**
 * The search request for a normalized query (exported for the benchmark's raw-client baseline): text in
 * `query`, filters without a facet there too, facet filters as a post_filter, and each facet aggregated
 * under every facet filter but its own.
 */
export function searchRequest(index: string, nq: NormalizedQuery, match: MatchMode): estypes.SearchRequest {
  const byFacet = facetFilters(nq.filters);
  const others = (except: FacetFilter): Query[] =>
    (Object.entries(byFacet) as Array<[FacetFilter, Query | null]>)
      .filter(([k, q]) => k !== except && q !== null)
      .map(([, q]) => q!);
  const postFilter = Object.values(byFacet).filter((q): q is Query => q !== null);
  const order: estypes.AggregationsAggregateOrder = [{ _count: 'desc' }, { _key: 'asc' }];
  return {
    index,
    size: nq.limit + 1,
    track_total_hits: true,
    query: {
      bool: {
        must: nq.terms === null ? [] : [textQuery(nq.terms, match, Object.keys(TEXT_FIELDS) as TextField[])],
        filter: plainFilters(nq.filters),
        must_not: [{ term: { deleted: true } }],
      },
    },
    ...(postFilter.length > 0 ? { post_filter: { bool: { filter: postFilter } } } : {}),
    sort: sortClauses(nq.spec),
    ...(nq.after ? { search_after: searchAfter(nq.spec, nq.after) } : {}),
    aggs: {
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
    },
  };
}

/** The suggest request: every word in the title, the last as a prefix; best score, then title, then id. */
export function suggestRequest(index: string, terms: readonly string[], limit: number): estypes.SearchRequest {
  return {
    index,
    size: limit,
    track_total_hits: false,
    _source: ['id', 'title', 'year'],
    query: { bool: { must: [textQuery(terms, 'all', ['title'])], must_not: [{ term: { deleted: true } }] } },
    sort: [{ _score: { order: 'desc' } }, { titleSort: { order: 'asc' } }, { id: { order: 'asc' } }],
  };
}

export function createElasticsearchReadStore(opts: ElasticsearchReadStoreOptions): ReadStore {
  const alias = opts.alias ?? 'movies';
  if (!/^[a-z0-9][a-z0-9_-]*$/.test(alias)) throw new RangeError(`alias '${alias}' must be lower case [a-z0-9_-]`);
  const ownsClient = opts.client === undefined;
  const client =
    opts.client ??
    new Client({
      node: opts.node,
      ...(opts.apiKey
        ? { auth: { apiKey: opts.apiKey } }
        : opts.username && opts.password
          ? { auth: { username: opts.username, password: opts.password } }
          : {}),
      requestTimeout: opts.requestTimeoutMs ?? 10_000,
      maxRetries: opts.maxRetries ?? 1,
    });
  const indexPrefix = `${alias}-v`;
  const versionPrefix = `${alias}-v${MAPPING_VERSION}-`;

  /** Runs a request; unreachable / overloaded / failing server -> ReadStoreUnavailableError. */
  async function call<T>(what: string, request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (err) {
      if (isUnavailable(err)) {
        throw new ReadStoreUnavailableError(`Elasticsearch unavailable (${what}): ${(err as Error).message}`, {
          cause: err,
        });
      }
      throw err;
    }
  }

  /** As `call`, for requests through the alias: a missing alias means the store is not there (yet). */
  async function callOnAlias<T>(what: string, request: () => Promise<T>): Promise<T> {
    try {
      return await call(what, request);
    } catch (err) {
      if (errorType(err) === 'index_not_found_exception') {
        throw new ReadStoreUnavailableError(`Elasticsearch alias '${alias}' is missing (${what}); run init()`, {
          cause: err,
        });
      }
      throw err;
    }
  }

  async function aliasTargets(): Promise<string[]> {
    try {
      const res = await call('get alias', () => client.indices.getAlias({ name: alias }));
      return Object.keys(res).sort();
    } catch (err) {
      if (isNotFound(err)) return [];
      throw err;
    }
  }

  async function createPhysicalIndex(name: string, settings = INDEX_SETTINGS): Promise<'created' | 'exists'> {
    try {
      await call('create index', () => client.indices.create({ index: name, settings, mappings: MOVIE_MAPPINGS }));
      return 'created';
    } catch (err) {
      if (errorType(err) === 'resource_already_exists_exception') return 'exists';
      throw err;
    }
  }

  /** Counters of this alias' physical indices (every mapping version), so new names never repeat. */
  async function existingCounters(): Promise<number[]> {
    const res = await call('list indices', () =>
      client.indices.get({
        index: `${indexPrefix}*`,
        expand_wildcards: 'all',
        filter_path: '*.settings.index.provided_name',
      }),
    );
    return Object.keys(res)
      .filter(ownsIndex)
      .map((name) => Number(name.slice(name.lastIndexOf('-') + 1)));
  }

  /** Physical indices known to exist (checked once per store instance, forgotten when deleted here). */
  const knownIndices = new Set<string>();

  /** One bulk request; the outcome of each entry, in order, or the error that entry met. */
  async function bulkItems(
    entries: readonly ReadEntry[],
    target: string,
    toAlias: boolean,
    refresh: boolean,
  ): Promise<Array<ApplyOutcome | Error>> {
    const operations: Array<estypes.BulkOperationContainer | Document> = [];
    for (const entry of entries) {
      operations.push(
        { index: { _index: target, _id: entryId(entry), version: entryVersion(entry), version_type: 'external' } },
        toDocument(entry),
      );
    }
    const res = await callOnAlias('bulk', () =>
      client.bulk({
        operations,
        ...(toAlias ? { require_alias: true } : {}),
        ...(refresh ? { refresh: 'wait_for' as const } : {}),
      }),
    );
    return res.items.map((item, i): ApplyOutcome | Error => {
      const result = item.index;
      const status = result?.status ?? 0;
      if (status >= 200 && status < 300) return 'applied';
      if (status === 409) return 'stale';
      const reason = `${result?.error?.type ?? 'error'}: ${result?.error?.reason ?? 'unknown'}`;
      const entry = entries[i];
      const id = entry ? entryId(entry) : '?';
      if (status === 429 || status >= 500 || result?.error?.type === 'index_not_found_exception') {
        return new ReadStoreUnavailableError(`Elasticsearch could not index '${id}' (${status} ${reason})`);
      }
      return new Error(`Elasticsearch rejected '${id}' (${status} ${reason})`);
    });
  }

  function outcomesOrThrow(items: ReadonlyArray<ApplyOutcome | Error>): ApplyOutcome[] {
    const failed = items.find((item): item is Error => item instanceof Error);
    if (failed) throw failed;
    return items as ApplyOutcome[];
  }

  async function bulk(
    entries: readonly ReadEntry[],
    target: string,
    toAlias: boolean,
    refresh: boolean,
  ): Promise<ApplyOutcome[]> {
    return outcomesOrThrow(await bulkItems(entries, target, toAlias, refresh));
  }

  /**
   * Group commit for writes through the alias: while ALIAS_BULKS_IN_FLIGHT bulk requests are out, the
   * writes of concurrent callers (one projector invocation each) wait and then go together in one bulk
   * request; each caller gets its own outcomes or its own error. An idle store sends a write at once.
   */
  const waiting: Array<{
    entries: readonly ReadEntry[];
    resolve: (o: ApplyOutcome[]) => void;
    reject: (e: unknown) => void;
  }> = [];
  let bulksInFlight = 0;
  function flushWaiting(): void {
    while (bulksInFlight < ALIAS_BULKS_IN_FLIGHT && waiting.length > 0) {
      let count = 0;
      let take = 0;
      while (take < waiting.length && (take === 0 || count + waiting[take]!.entries.length <= LOAD_BULK_DOCUMENTS))
        count += waiting[take++]!.entries.length;
      const group = waiting.splice(0, take);
      bulksInFlight++;
      bulkItems(
        group.flatMap((w) => w.entries),
        alias,
        true,
        false,
      )
        .then(
          (items) => {
            let at = 0;
            for (const w of group) {
              const own = items.slice(at, (at += w.entries.length));
              try {
                w.resolve(outcomesOrThrow(own));
              } catch (error) {
                w.reject(error);
              }
            }
          },
          (error: unknown) => group.forEach((w) => w.reject(error)),
        )
        .finally(() => {
          bulksInFlight--;
          flushWaiting();
        });
    }
  }

  function ownsIndex(index: string): boolean {
    return index.startsWith(indexPrefix) && /^v\d+-\d+$/.test(index.slice(alias.length + 1));
  }

  return {
    kind: 'elasticsearch',

    async init() {
      if ((await aliasTargets()).length > 0) return;
      // A fixed first name: processes racing here create (or find) the same index and add the same alias,
      // both idempotent, so the alias never ends up on two indices.
      const first = `${versionPrefix}1`;
      await createPhysicalIndex(first);
      if ((await aliasTargets()).length > 0) return;
      await call('add alias', () =>
        client.indices.updateAliases({ actions: [{ add: { index: first, alias, is_write_index: true } }] }),
      );
    },

    async apply(entries, options) {
      if (entries.length === 0) return [];
      entries.forEach(assertValidEntry);
      if (options?.index === undefined) {
        if (options?.refresh === true) return bulk(entries, alias, true, true);
        return new Promise<ApplyOutcome[]>((resolve, reject) => {
          waiting.push({ entries, resolve, reject });
          flushWaiting();
        });
      }
      const target = options.index;
      if (!knownIndices.has(target)) {
        // Bulk would auto-create a missing index with guessed mappings; refuse instead.
        const exists = await call('index exists', () => client.indices.exists({ index: target }));
        if (!exists) throw new Error(`index '${target}' does not exist`);
        knownIndices.add(target);
      }
      // A physical index is a rebuild's load: large batches go as concurrent bulk requests. Every entry of
      // one id goes in the same request, in batch order, so outcomes are those of applying in order.
      const chunks: Array<Array<{ entry: ReadEntry; at: number }>> = [];
      const chunkOfId = new Map<string, number>();
      entries.forEach((entry, at) => {
        const id = entryId(entry);
        const chunk = chunkOfId.get(id) ?? Math.floor(chunkOfId.size / LOAD_BULK_DOCUMENTS);
        chunkOfId.set(id, chunk);
        (chunks[chunk] ??= []).push({ entry, at });
      });
      const outcomes = new Array<ApplyOutcome>(entries.length);
      let next = 0;
      const worker = async (): Promise<void> => {
        for (let i = next++; i < chunks.length; i = next++) {
          const chunk = chunks[i]!;
          const results = await bulk(
            chunk.map((c) => c.entry),
            target,
            false,
            options.refresh === true,
          );
          chunk.forEach((c, j) => (outcomes[c.at] = results[j]!));
        }
      };
      await Promise.all(Array.from({ length: Math.min(LOAD_BULK_CONCURRENCY, chunks.length) }, worker));
      return outcomes;
    },

    async get(id) {
      if (!MOVIE_ID_PATTERN.test(id)) return null;
      try {
        const res = await callOnAlias('get', () => client.get<Record<string, unknown>>({ index: alias, id }));
        return res.found && res._source ? toEntry(res._source) : null;
      } catch (err) {
        // A missing document is a 404 with found=false; a missing alias stays an error.
        if (err instanceof errors.ResponseError && err.statusCode === 404 && errorType(err) === undefined) return null;
        throw err;
      }
    },

    async search(query: SearchQuery): Promise<SearchPage> {
      const nq = normalizeQuery(query);
      const run = (match: MatchMode) =>
        callOnAlias('search', () =>
          client.search<Record<string, unknown>, SearchAggregations>(searchRequest(alias, nq, match)),
        );
      const totalOf = (r: Awaited<ReturnType<typeof run>>) =>
        typeof r.hits.total === 'number' ? r.hits.total : (r.hits.total?.value ?? 0);
      let match: MatchMode = query.match ?? 'all';
      let res = await run(match);
      if (query.match === undefined && totalOf(res) === 0 && nq.terms !== null && nq.terms.length > 1) {
        match = 'any';
        res = await run('any');
      }
      const hits = res.hits.hits.map((hit) => ({
        movie: toMovie(hit._source ?? {}),
        score: typeof hit.sort?.[0] === 'number' ? hit.sort[0] : (hit._score ?? 0),
      }));
      const hasMore = hits.length > nq.limit;
      const items = hits.slice(0, nq.limit);
      const last = items[items.length - 1];
      const terms = (agg: { values: estypes.AggregationsStringTermsAggregate } | undefined): Facet[] => {
        const buckets = agg?.values.buckets;
        return (Array.isArray(buckets) ? buckets : []).map((b) => ({ value: String(b.key), count: b.doc_count }));
      };
      const decadeBuckets = res.aggregations?.decades.values.buckets;
      return {
        items: items.map((h) => h.movie),
        nextCursor: hasMore && last ? encodeCursor(nq.sort, positionOf(nq.spec, last.movie, last.score)) : null,
        total: totalOf(res),
        match,
        facets: {
          genres: terms(res.aggregations?.genres),
          mpaaRatings: terms(res.aggregations?.mpaaRatings),
          decades: (Array.isArray(decadeBuckets) ? decadeBuckets : []).map((b) => ({
            value: decadeOf(Number(b.key)),
            count: b.doc_count,
          })),
        },
      };
    },

    async suggest(query): Promise<Suggestion[]> {
      const { terms, limit } = normalizeSuggestQuery(query);
      if (terms.length === 0) return [];
      const res = await callOnAlias('suggest', () =>
        client.search<Record<string, unknown>>(suggestRequest(alias, terms, limit)),
      );
      return res.hits.hits.map((hit) => {
        const source = hit._source ?? {};
        return {
          id: String(source.id),
          title: String(source.title),
          ...(typeof source.year === 'number' ? { year: source.year } : {}),
        };
      });
    },

    async *scan(batchSize = 500, afterId?: string) {
      if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError('batchSize must be a positive integer');
      let after: estypes.SortResults | undefined = afterId === undefined ? undefined : [afterId];
      for (;;) {
        const res = await callOnAlias('scan', () =>
          client.search<Record<string, unknown>>({
            index: alias,
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
    },

    async refresh() {
      await callOnAlias('refresh', () => client.indices.refresh({ index: alias }));
    },

    async health() {
      try {
        const res = await client.cluster.health({}, { requestTimeout: 2_000, maxRetries: 0 });
        return res.status === 'red' ? 'down' : 'up';
      } catch {
        return 'down';
      }
    },

    async createIndex() {
      for (let attempt = 0; attempt < 5; attempt++) {
        const next = Math.max(0, ...(await existingCounters())) + 1;
        const name = `${versionPrefix}${next}`;
        if ((await createPhysicalIndex(name, { ...INDEX_SETTINGS, ...LOADING_SETTINGS })) === 'created') {
          knownIndices.add(name);
          return name;
        }
      }
      throw new Error(`could not create a new index for alias '${alias}' (name races)`);
    },

    async swapAlias(index) {
      if (!ownsIndex(index)) throw new Error(`index '${index}' does not belong to alias '${alias}'`);
      // Live settings back (an index created for a load has no refresh and no replica), and its documents
      // searchable before the first query reaches it.
      await call('index settings', () =>
        client.indices.putSettings({
          index,
          settings: {
            refresh_interval: INDEX_SETTINGS.refresh_interval,
            auto_expand_replicas: INDEX_SETTINGS.auto_expand_replicas,
            translog: { durability: 'request' },
          },
        }),
      );
      await call('refresh', () => client.indices.refresh({ index }));
      const before = await aliasTargets();
      // One atomic _aliases call; must_exist makes it fail (changing nothing) if a concurrent swap moved it.
      const actions: estypes.IndicesUpdateAliasesAction[] = [
        ...before.filter((old) => old !== index).map((old) => ({ remove: { index: old, alias, must_exist: true } })),
        { add: { index, alias, is_write_index: true } },
      ];
      await call('swap alias', () => client.indices.updateAliases({ actions }));
      return before;
    },

    async deleteIndex(index) {
      if (!ownsIndex(index)) throw new Error(`index '${index}' does not belong to alias '${alias}'`);
      if ((await aliasTargets()).includes(index)) {
        throw new Error(`index '${index}' is behind alias '${alias}'; swap the alias first`);
      }
      knownIndices.delete(index);
      try {
        await call('delete index', () => client.indices.delete({ index }));
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    },

    async currentIndex() {
      return (await aliasTargets())[0] ?? null;
    },

    async close() {
      if (ownsClient) await client.close();
    },
  };
}

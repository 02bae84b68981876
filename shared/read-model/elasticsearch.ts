/**
 * The read model on Elasticsearch 8.x: one physical index per mapping version behind an alias, documents
 * indexed with external versions, searches translated from the shared semantics in ./search-semantics.
 * The units live in ./elasticsearch/; this module composes them (and is what the composition root loads
 * on first use, so the SDK stays out of a cold start).
 *
 * Works on a bare server (no analysis-common module): only built-in analyzers, no scripts, no _reindex;
 * the lower-cased keys for the director filter and the title sort are computed here and stored as keywords.
 */
import type { Client } from '@elastic/elasticsearch';
import type { ReadStore } from './port';
import { assertValidEntry } from './search-semantics';
import { bulkSender, outcomesOrThrow } from './elasticsearch/bulk';
import { clusterHealth, createClient, type ClientOptions } from './elasticsearch/client';
import { groupCommit } from './elasticsearch/group-commit';
import * as indices from './elasticsearch/indices';
import { load } from './elasticsearch/load';
import { indexNames } from './elasticsearch/mappings';
import * as reads from './elasticsearch/reads';
import { callOnAlias } from './elasticsearch/requests';

export { MAPPING_VERSION, MOVIE_MAPPINGS } from './elasticsearch/mappings';
export { searchRequest, suggestRequest } from './elasticsearch/search-request';

/** Bulk requests into a physical index (a rebuild's load): documents per request, requests in flight. */
export const LOAD_BULK_DOCUMENTS = 1_000;
export const LOAD_BULK_CONCURRENCY = 4;
/** Bulk requests through the alias in flight at once per store; more concurrent writes share requests. */
export const ALIAS_BULKS_IN_FLIGHT = 4;

export interface ElasticsearchReadStoreOptions extends ClientOptions {
  /** Alias the store reads and writes through; physical indices are `<alias>-v<MAPPING_VERSION>-<n>`. */
  readonly alias?: string;
  /** A client to use instead of one built from node/apiKey (the store then does not close it). */
  readonly client?: Client;
}

export function createElasticsearchReadStore(opts: ElasticsearchReadStoreOptions): ReadStore {
  const names = indexNames(opts.alias ?? 'movies');
  const { alias } = names;
  const client = opts.client ?? createClient(opts);
  const admin: indices.IndexContext = { client, names, known: new Set() };
  const onAlias = callOnAlias(alias);
  const reader: reads.AliasContext = { client, alias, onAlias };
  const writeThroughAlias = groupCommit(bulkSender(client, onAlias, { target: alias, toAlias: true, refresh: false }), {
    maxInFlight: ALIAS_BULKS_IN_FLIGHT,
    maxDocuments: LOAD_BULK_DOCUMENTS,
  });
  return {
    kind: 'elasticsearch',
    init: () => indices.initAlias(admin),
    async apply(entries, options) {
      if (entries.length === 0) return [];
      entries.forEach(assertValidEntry);
      const refresh = options?.refresh === true;
      if (options?.index === undefined) {
        if (!refresh) return writeThroughAlias(entries);
        return outcomesOrThrow(await bulkSender(client, onAlias, { target: alias, toAlias: true, refresh })(entries));
      }
      await indices.assertIndexExists(admin, options.index);
      const send = bulkSender(client, onAlias, { target: options.index, toAlias: false, refresh });
      return load(entries, send, { documents: LOAD_BULK_DOCUMENTS, concurrency: LOAD_BULK_CONCURRENCY });
    },
    get: (id) => reads.getEntry(reader, id),
    search: (query) => reads.search(reader, query),
    suggest: (query) => reads.suggest(reader, query),
    scan: (batchSize, afterId) => reads.scan(reader, batchSize, afterId),
    async refresh() {
      await onAlias('refresh', () => client.indices.refresh({ index: alias }));
    },
    health: () => clusterHealth(client),
    newIndexName: () => indices.newIndexName(admin),
    createIndex: (name) => indices.createLoadingIndex(admin, name),
    swapAlias: (index) => indices.swapAlias(admin, index),
    deleteIndex: (index) => indices.deleteIndex(admin, index),
    currentIndex: async () => (await indices.aliasTargets(admin))[0] ?? null,
    async close() {
      if (opts.client === undefined) await client.close();
    },
  };
}

/**
 * The index definition: the mapping of a movie document, the settings of a live index and of one that a
 * rebuild is loading, and the names of the physical indices behind an alias.
 */
import type { estypes } from '@elastic/elasticsearch';

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

export const INDEX_SETTINGS: estypes.IndicesIndexSettings = {
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
 * each document is written once, no segment is made per refresh and no fsync per request. LIVE_SETTINGS
 * puts the live values back before the swap.
 */
export const LOADING_SETTINGS: estypes.IndicesIndexSettings = {
  refresh_interval: '-1',
  auto_expand_replicas: 'false',
  number_of_replicas: 0,
  // No fsync per bulk request while loading: a crash mid-load means loading again, never a live loss.
  translog: { durability: 'async' },
};

/** What a loaded index gets back before it goes live (the values LOADING_SETTINGS changed). */
export const LIVE_SETTINGS: estypes.IndicesIndexSettings = {
  refresh_interval: INDEX_SETTINGS.refresh_interval,
  auto_expand_replicas: INDEX_SETTINGS.auto_expand_replicas,
  translog: { durability: 'request' },
};

const ALIAS_PATTERN = /^[a-z0-9][a-z0-9_-]*$/;

/** The names around one alias: physical indices are `<alias>-v<MAPPING_VERSION>-<n>`. */
export interface IndexNames {
  readonly alias: string;
  /** `<alias>-v`: every physical index of the alias, any mapping version. */
  readonly indexPrefix: string;
  /** `<alias>-v<MAPPING_VERSION>-`: the physical indices of the current mapping version. */
  readonly versionPrefix: string;
  /** Whether `index` is a physical index of this alias (any mapping version). */
  readonly owns: (index: string) => boolean;
  /** The counter at the end of a physical index name. */
  readonly counterOf: (index: string) => number;
}

export function indexNames(alias: string): IndexNames {
  if (!ALIAS_PATTERN.test(alias)) throw new RangeError(`alias '${alias}' must be lower case [a-z0-9_-]`);
  const indexPrefix = `${alias}-v`;
  return {
    alias,
    indexPrefix,
    versionPrefix: `${indexPrefix}${MAPPING_VERSION}-`,
    owns: (index) => index.startsWith(indexPrefix) && /^v\d+-\d+$/.test(index.slice(alias.length + 1)),
    counterOf: (index) => Number(index.slice(index.lastIndexOf('-') + 1)),
  };
}

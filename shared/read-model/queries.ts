/**
 * The queries: cache-aside over the read store, every cached answer one cache round trip.
 * - One movie: `movie:<id>` holds a versioned entry (Cache.putVersioned). After each read-store write the
 *   projector raises that key's floor to the event's version, which replaces any older cached value; a
 *   reader that raced the projection and read an older version cannot put it back. So a GET after a
 *   projection never serves an older version, and the lookup is one GET.
 * - Searches and suggestions: `search:<query hash>`, `suggest:<hash>`, kept for searchCacheTtlSeconds and
 *   never invalidated by writes (a steady write rate would empty them). That TTL plus the read store's
 *   refresh interval bounds how long a search may miss a change (searches are eventually consistent).
 * A cache fault never fails a query: it answers from the store.
 */
import { createHash } from 'node:crypto';
import type { Movie } from '../domain/movie';
import { NotFoundError, ServiceUnavailableError, VersionNotYetAvailableError } from '../errors';
import { CacheUnavailableError, type Cache, type Deps, type Logger } from '../ports';
import { toRepresentation } from '../domain/movie';
import { recordCacheLookup } from '../observability';
import {
  ReadStoreUnavailableError,
  type ReadEntry,
  type SearchPage,
  type SearchQuery,
  type Suggestion,
  type SuggestQuery,
} from './port';
import { entryVersion } from './search-semantics';

export type CacheStatus = 'HIT' | 'MISS';

const movieKey = (id: string) => `movie:${id}`;
const searchKey = (hash: string) => `search:${hash}`;
const suggestKey = (hash: string) => `suggest:${hash}`;

/**
 * Called by the projection after each read-store write of one movie (version = the event's): one round
 * trip. Throws CacheUnavailableError.
 */
export async function invalidateMovie(
  cache: Cache,
  movieId: string,
  version: number,
  ttlSeconds: number,
): Promise<void> {
  await cache.putVersioned(movieKey(movieId), version, null, ttlSeconds);
}

/** Runs a cache operation; a cache fault is logged and answered with `fallback`. */
async function tolerant<T>(log: Logger, what: string, op: () => Promise<T>, fallback: T): Promise<T> {
  try {
    return await op();
  } catch (error) {
    if (!(error instanceof CacheUnavailableError)) throw error;
    log.warn(`cache degraded (${what}): ${error.message}`);
    return fallback;
  }
}

async function fromReadStore<T>(op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (error) {
    if (error instanceof ReadStoreUnavailableError)
      throw new ServiceUnavailableError('The read store is unavailable; retry shortly.');
    throw error;
  }
}

export interface MovieAnswer {
  readonly movie: Movie;
  readonly cache: CacheStatus;
  readonly source: 'read-store' | 'write-store';
}

/**
 * One movie. With `minVersion` (read-your-writes), an answer older than that version comes from the
 * write store instead.
 */
export async function readMovie(
  id: string,
  minVersion: number | undefined,
  deps: Deps,
  log: Logger,
): Promise<MovieAnswer> {
  const { cache, readStore } = deps;
  const cached = await tolerant(log, 'get movie', () => cache.getVersioned(movieKey(id)), null);
  let entry: ReadEntry | null;
  let status: CacheStatus = 'HIT';
  recordCacheLookup('getMovie', cached?.value != null);
  if (cached?.value != null) {
    entry = JSON.parse(cached.value) as ReadEntry;
  } else {
    status = 'MISS';
    // Read-your-writes can still be answered by the write store while the read store is down.
    entry = await fromReadStore(() =>
      readStore.get(id).catch((error: unknown) => {
        if (minVersion !== undefined && error instanceof ReadStoreUnavailableError) return null;
        throw error;
      }),
    );
    if (entry) {
      const value = JSON.stringify(entry);
      const version = entryVersion(entry);
      await tolerant(
        log,
        'set movie',
        () => cache.putVersioned(movieKey(id), version, value, deps.settings.cacheTtlSeconds),
        undefined,
      );
    }
  }
  const readVersion = entry ? entryVersion(entry) : 0;
  if (minVersion !== undefined && readVersion < minVersion) {
    const latest = await deps.eventStore.latest(id);
    if (latest && latest.version < minVersion) throw new VersionNotYetAvailableError(latest.version);
    if (latest && latest.version >= readVersion) {
      if (latest.type === 'MovieDeleted') throw new NotFoundError(`Movie ${id} has been deleted.`);
      return { movie: toRepresentation(latest.state), cache: status, source: 'write-store' };
    }
  }
  if (!entry || entry.kind === 'tombstone') throw new NotFoundError(`Movie ${id} does not exist.`);
  return { movie: entry.movie, cache: status, source: 'read-store' };
}

export function queryHash(query: SearchQuery): string {
  const normal = { ...query, genres: query.genres ? [...query.genres].sort() : undefined };
  return createHash('sha256')
    .update(JSON.stringify(normal, Object.keys(normal).sort()))
    .digest('base64url')
    .slice(0, 32);
}

export async function findMovies(
  query: SearchQuery,
  deps: Deps,
  log: Logger,
): Promise<{ page: SearchPage; cache: CacheStatus }> {
  const { cache } = deps;
  const key = searchKey(queryHash(query));
  const cached = await tolerant(log, 'get search', () => cache.get(key), null);
  recordCacheLookup('searchMovies', cached !== null);
  if (cached !== null) return { page: JSON.parse(cached) as SearchPage, cache: 'HIT' };
  const page = await fromReadStore(() => deps.readStore.search(query));
  const value = JSON.stringify(page);
  await tolerant(log, 'set search', () => cache.set(key, value, deps.settings.searchCacheTtlSeconds), undefined);
  return { page, cache: 'MISS' };
}

/** Autocomplete titles, cached like searches (same staleness bound). */
export async function suggestTitles(
  query: SuggestQuery,
  deps: Deps,
  log: Logger,
): Promise<{ suggestions: Suggestion[]; cache: CacheStatus }> {
  const { cache } = deps;
  const hash = createHash('sha256')
    .update(JSON.stringify([query.q.trim().toLowerCase(), query.limit]))
    .digest('base64url')
    .slice(0, 32);
  const key = suggestKey(hash);
  const cached = await tolerant(log, 'get suggest', () => cache.get(key), null);
  recordCacheLookup('suggest', cached !== null);
  if (cached !== null) return { suggestions: JSON.parse(cached) as Suggestion[], cache: 'HIT' };
  const suggestions = await fromReadStore(() => deps.readStore.suggest(query));
  const value = JSON.stringify(suggestions);
  await tolerant(log, 'set suggest', () => cache.set(key, value, deps.settings.searchCacheTtlSeconds), undefined);
  return { suggestions, cache: 'MISS' };
}

/**
 * The queries: cache-aside over the read store, with exact invalidation by generation numbers:
 * - per movie: `movie:<id>:gen` counts that movie's events; its value lives at `movie:<id>:<gen>`;
 * - lists and searches: `movies:gen` counts every event; results live at `movies:<gen>:<query hash>`.
 * A reader that raced a projection can only write under the old generation, which no one reads again,
 * so no stale entry outlives a change. A cache fault never fails a query: it answers from the store.
 */
import { createHash } from 'node:crypto';
import type { Movie } from '../domain/movie';
import { NotFoundError, ServiceUnavailableError, VersionNotYetAvailableError } from '../errors';
import { CacheUnavailableError, type Cache, type Deps, type Logger } from '../ports';
import { toRepresentation } from '../domain/movie';
import { recordCacheLookup } from '../observability';
import { ReadStoreUnavailableError, type ReadEntry, type SearchPage, type SearchQuery, type Suggestion, type SuggestQuery } from './port';

export type CacheStatus = 'HIT' | 'MISS';

const movieGenKey = (id: string) => `movie:${id}:gen`;
const movieKey = (id: string, gen: string) => `movie:${id}:${gen}`;
const SEARCH_GEN_KEY = 'movies:gen';
const searchKey = (gen: string, hash: string) => `movies:${gen}:${hash}`;
const suggestKey = (gen: string, hash: string) => `movies:${gen}:suggest:${hash}`;

/** Called by the projection after each read-store write of one movie. Throws CacheUnavailableError. */
export async function invalidateMovie(cache: Cache, movieId: string): Promise<void> {
  const gen = await cache.incr(movieGenKey(movieId));
  await cache.incr(SEARCH_GEN_KEY);
  await cache.del([movieKey(movieId, String(gen - 1))]);
}

/** After a rebuild: every cached search is dropped (movie entries are exact per version already). */
export async function invalidateAll(cache: Cache): Promise<void> {
  await cache.incr(SEARCH_GEN_KEY);
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
    if (error instanceof ReadStoreUnavailableError) throw new ServiceUnavailableError('The read store is unavailable; retry shortly.');
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
export async function getMovie(id: string, minVersion: number | undefined, deps: Deps, log: Logger): Promise<MovieAnswer> {
  const { cache, readStore } = deps;
  const gen = (await tolerant(log, 'get generation', () => cache.get(movieGenKey(id)), null)) ?? '0';
  const cached = await tolerant(log, 'get movie', () => cache.get(movieKey(id, gen)), null);
  let entry: ReadEntry | null;
  let status: CacheStatus = 'HIT';
  recordCacheLookup('getMovie', cached !== null);
  if (cached !== null) {
    entry = JSON.parse(cached) as ReadEntry;
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
      await tolerant(log, 'set movie', () => cache.set(movieKey(id, gen), value, deps.settings.cacheTtlSeconds), undefined);
    }
  }
  const readVersion = entry ? (entry.kind === 'movie' ? entry.movie.version : entry.version) : 0;
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
  return createHash('sha256').update(JSON.stringify(normal, Object.keys(normal).sort())).digest('base64url').slice(0, 32);
}

export async function searchMovies(query: SearchQuery, deps: Deps, log: Logger): Promise<{ page: SearchPage; cache: CacheStatus }> {
  const { cache } = deps;
  const gen = (await tolerant(log, 'get generation', () => cache.get(SEARCH_GEN_KEY), null)) ?? '0';
  const key = searchKey(gen, queryHash(query));
  const cached = await tolerant(log, 'get search', () => cache.get(key), null);
  recordCacheLookup('searchMovies', cached !== null);
  if (cached !== null) return { page: JSON.parse(cached) as SearchPage, cache: 'HIT' };
  const page = await fromReadStore(() => deps.readStore.search(query));
  const value = JSON.stringify(page);
  await tolerant(log, 'set search', () => cache.set(key, value, deps.settings.cacheTtlSeconds), undefined);
  return { page, cache: 'MISS' };
}

/** Autocomplete titles, cached under the search generation like searches (the projector invalidates both). */
export async function suggestTitles(
  query: SuggestQuery,
  deps: Deps,
  log: Logger,
): Promise<{ suggestions: Suggestion[]; cache: CacheStatus }> {
  const { cache } = deps;
  const gen = (await tolerant(log, 'get generation', () => cache.get(SEARCH_GEN_KEY), null)) ?? '0';
  const hash = createHash('sha256').update(JSON.stringify([query.q.trim().toLowerCase(), query.limit])).digest('base64url').slice(0, 32);
  const key = suggestKey(gen, hash);
  const cached = await tolerant(log, 'get suggest', () => cache.get(key), null);
  recordCacheLookup('suggest', cached !== null);
  if (cached !== null) return { suggestions: JSON.parse(cached) as Suggestion[], cache: 'HIT' };
  const suggestions = await fromReadStore(() => deps.readStore.suggest(query));
  const value = JSON.stringify(suggestions);
  await tolerant(log, 'set suggest', () => cache.set(key, value, deps.settings.cacheTtlSeconds), undefined);
  return { suggestions, cache: 'MISS' };
}

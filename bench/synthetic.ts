/**
 * A synthetic catalog for scale benchmarks: `syntheticMovies(count, seed)` yields `count` movies, each
 * with its whole history (versions 1..n as the write model stores them), deterministic for a seed.
 *
 * Distributions are drawn from the vega-datasets movies table that `npm run seed` loads (through the same
 * mapping): title words and title length, release dates, the genre (domain vocabulary), MPAA rating,
 * IMDB rating and votes, running time, director and distributor are each sampled from the table's own
 * values, independently, so the catalog looks like the real one to the search engine without copying
 * its rows. Versions per movie: 1 + a geometric number of updates (mean 2), 5% of movies end deleted.
 * Ids are UUID-shaped (from the seeded generator), so their order is unrelated to generation order,
 * as with real server-chosen ids.
 *
 * Loaded straight into the stores (EventStore.append or the Cosmos SDK; ReadStore.apply) for speed.
 */
import type { MovieEvent } from '../shared/domain/events';
import { GENRES, type Genre, type MovieFields, type MovieState } from '../shared/domain/movie';
import { mulberry32 } from '../shared/local/keyed-random';
import { mapRecord, type VegaMovie } from '../shared/seed/mapping';
import { loadVegaMovies } from '../scripts/seed';

/** One synthetic movie: its id and every event of its history, oldest first (version 1 first). */
export interface SyntheticMovie {
  readonly id: string;
  readonly events: readonly MovieEvent[];
}

interface Pools {
  readonly titleWords: readonly string[];
  readonly titleLengths: readonly number[];
  readonly releaseDates: readonly string[];
  readonly genres: readonly Genre[];
  readonly mpaaRatings: readonly NonNullable<MovieFields['mpaaRating']>[];
  readonly imdbRatings: readonly number[];
  readonly imdbVotes: readonly number[];
  readonly runtimes: readonly number[];
  readonly directors: readonly string[];
  readonly distributors: readonly string[];
}

let cached: Pools | undefined;

/** The table's values per field (with repetition, so sampling follows the table's distribution). */
function pools(records: readonly VegaMovie[] = loadVegaMovies()): Pools {
  if (cached) return cached;
  const mapped = records.map((r, i) => mapRecord(r, i)).flatMap((r) => (r.ok ? [r.fields] : []));
  const values = <T>(pick: (f: MovieFields) => T | undefined): T[] =>
    mapped.flatMap((f) => {
      const v = pick(f);
      return v === undefined ? [] : [v];
    });
  const known = new Set<string>(GENRES);
  cached = {
    titleWords: mapped.flatMap((f) => f.title.split(/\s+/).filter((w) => w.length > 0)),
    titleLengths: mapped.map((f) => Math.max(1, Math.min(8, f.title.split(/\s+/).length))),
    releaseDates: values((f) => f.releaseDate),
    genres: mapped.flatMap((f) => (f.genres ?? []).filter((g): g is Genre => known.has(g))),
    mpaaRatings: values((f) => f.mpaaRating),
    imdbRatings: values((f) => f.imdbRating),
    imdbVotes: values((f) => f.imdbVotes),
    runtimes: values((f) => f.runtimeMinutes),
    directors: values((f) => f.director),
    distributors: values((f) => f.distributor),
  };
  return cached;
}

const EPOCH = Date.parse('2025-01-01T00:00:00.000Z');

/**
 * `count` movies, deterministic for `seed`. Lazy: memory stays constant however many are drawn.
 * The export is kept stable (other benchmarks import it).
 */
export function* syntheticMovies(count: number, seed: number): Iterable<SyntheticMovie> {
  const p = pools();
  const random = mulberry32(seed);
  const pick = <T>(from: readonly T[]): T => from[Math.floor(random() * from.length)]!;
  const maybe = <T>(probability: number, value: () => T): T | undefined =>
    random() < probability ? value() : undefined;
  const hex = (n: number) => Array.from({ length: n }, () => Math.floor(random() * 16).toString(16)).join('');

  for (let i = 0; i < count; i++) {
    const id = `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}`;
    const words = Array.from({ length: pick(p.titleLengths) }, () => pick(p.titleWords));
    const genreCount = random() < 0.7 ? 1 : 2;
    const genres = [...new Set(Array.from({ length: genreCount }, () => pick(p.genres)))];
    const fields: MovieFields = {
      title: words.join(' '),
      ...(random() < 0.6 ? { description: `${pick(p.titleWords)} ${pick(p.titleWords)}. Source: synthetic.` } : {}),
      ...optional(
        'releaseDate',
        maybe(0.95, () => pick(p.releaseDates)),
      ),
      genres,
      ...optional(
        'director',
        maybe(0.6, () => pick(p.directors)),
      ),
      ...optional(
        'mpaaRating',
        maybe(0.8, () => pick(p.mpaaRatings)),
      ),
      ...optional(
        'runtimeMinutes',
        maybe(0.3, () => pick(p.runtimes)),
      ),
      ...optional(
        'imdbRating',
        maybe(0.9, () => pick(p.imdbRatings)),
      ),
      ...optional(
        'imdbVotes',
        maybe(0.9, () => pick(p.imdbVotes)),
      ),
      ...optional(
        'distributor',
        maybe(0.9, () => pick(p.distributors)),
      ),
    };
    // Geometric number of updates with mean 2 (p = 1/3), capped at 20.
    let versions = 1;
    while (versions < 21 && random() < 2 / 3) versions++;
    const deleted = random() < 0.05;
    const createdAt = new Date(EPOCH + Math.floor(random() * 300 * 86_400_000)).toISOString();
    const events: MovieEvent[] = [];
    let state: MovieState = { id, version: 1, ...fields, createdAt, updatedAt: createdAt };
    events.push(event('MovieCreated', state, Object.keys(fields), i));
    for (let v = 2; v <= versions + (deleted ? 1 : 0); v++) {
      const at = new Date(Date.parse(state.updatedAt) + 60_000 + Math.floor(random() * 86_400_000)).toISOString();
      if (deleted && v === versions + 1) {
        state = { ...state, version: v, updatedAt: at };
        events.push(event('MovieDeleted', state, [], i));
        break;
      }
      const rating = Math.round((pick(p.imdbRatings) + Number.EPSILON) * 10) / 10;
      state = {
        ...state,
        version: v,
        imdbRating: rating,
        imdbVotes: (state.imdbVotes ?? 0) + Math.floor(random() * 1000),
        updatedAt: at,
      };
      events.push(event('MovieUpdated', state, ['imdbRating', 'imdbVotes'], i));
    }
    yield { id, events };
  }
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

function event(type: MovieEvent['type'], state: MovieState, changed: readonly string[], index: number): MovieEvent {
  return {
    type,
    state,
    changed,
    metadata: {
      movieId: state.id,
      version: state.version,
      occurredAt: state.updatedAt,
      correlationId: `synthetic-${index}-${state.version}`,
    },
  };
}

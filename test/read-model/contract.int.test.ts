/**
 * One contract for every ReadStore: the embedded store (no server at all) and Elasticsearch (a real server;
 * skipped loudly when none can be had, a failure under REQUIRE_ALL_SERVICES=1).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Genre, Movie } from '../../shared/domain/movie';
import { createElasticsearchReadStore } from '../../shared/read-model/elasticsearch';
import { createEmbeddedReadStore } from '../../shared/read-model/embedded';
import {
  createNewIndex,
  InvalidCursorError,
  ReadStoreUnavailableError,
  type ReadEntry,
  type ReadStore,
  type SearchPage,
  type SearchQuery,
  type SortKey,
} from '../../shared/read-model/port';
import {
  deleteIndicesWithPrefix,
  elasticsearchUnavailableReason,
  startElasticsearch,
  uniqueIndexPrefix,
  type ElasticsearchServer,
} from '../support/elasticsearch';
import { unavailable } from '../support/services';

/** Opens stores on fresh aliases; the same label opens another handle on the same data. */
interface StoreHarness {
  open(label: string): Promise<ReadStore>;
}

// ---- data ----------------------------------------------------------------------------------------------

type Fields = Omit<Movie, 'id' | 'version' | 'createdAt' | 'updatedAt' | 'year'>;

function movie(id: string, fields: Fields, version = 1): Movie {
  const year = fields.releaseDate ? Number(fields.releaseDate.slice(0, 4)) : undefined;
  return {
    id,
    version,
    ...fields,
    ...(year !== undefined ? { year } : {}),
    createdAt: '2024-01-01T00:00:00.000Z',
    updatedAt: `2024-01-0${Math.min(version, 9)}T00:00:00.000Z`,
  };
}

const live = (m: Movie): ReadEntry => ({ kind: 'movie', movie: m });
const tombstone = (id: string, version: number): ReadEntry => ({
  kind: 'tombstone',
  id,
  version,
  deletedAt: '2024-02-01T00:00:00.000Z',
});

/** Ten movies with ties and gaps in every sort field, so tie-breakers and missing-last are visible. */
const CATALOG: Movie[] = [
  movie('m01', {
    title: 'Inception',
    director: 'Christopher Nolan',
    genres: ['Action', 'Sci-Fi'],
    mpaaRating: 'PG-13',
    releaseDate: '2010-07-16',
    imdbRating: 8.8,
    description: 'A thief steals secrets through dreams.',
  }),
  movie('m02', {
    title: 'interstellar',
    director: 'Christopher Nolan',
    genres: ['Drama', 'Sci-Fi'],
    mpaaRating: 'PG-13',
    releaseDate: '2014-11-07',
    imdbRating: 8.6,
  }),
  movie('m03', {
    title: 'Amélie',
    director: 'Jean-Pierre Jeunet',
    genres: ['Comedy', 'Romance'],
    mpaaRating: 'R',
    releaseDate: '2001-04-25',
    imdbRating: 8.3,
  }),
  movie('m04', {
    title: 'Zodiac',
    director: 'David Fincher',
    genres: ['Crime', 'Drama'],
    mpaaRating: 'R',
    releaseDate: '2007-03-02',
    imdbRating: 7.7,
  }),
  movie('m05', {
    title: 'Alien',
    director: 'Ridley Scott',
    genres: ['Horror', 'Sci-Fi'],
    mpaaRating: 'R',
    releaseDate: '1979-05-25',
    imdbRating: 8.5,
  }),
  movie('m06', { title: 'Untitled Project' }),
  movie('m07', {
    title: 'Se7en',
    director: 'DAVID FINCHER',
    genres: ['Crime', 'Mystery'],
    mpaaRating: 'R',
    releaseDate: '1995-09-22',
    imdbRating: 8.6,
  }),
  movie('m08', {
    title: 'alien',
    director: 'Someone Else',
    genres: ['Comedy'],
    mpaaRating: 'PG',
    releaseDate: '2007-06-01',
    imdbRating: 7.7,
  }),
  movie('m09', {
    title: 'Toy Story',
    director: 'John Lasseter',
    genres: ['Animation', 'Comedy'],
    mpaaRating: 'G',
    imdbRating: 8.3,
  }),
  movie('m10', {
    title: 'Boyhood',
    director: 'Richard Linklater',
    genres: ['Drama'],
    mpaaRating: 'R',
    releaseDate: '2014-07-11',
  }),
];

/** Deterministic pseudo-random numbers (mulberry32). */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = [
  'Ember',
  'Night',
  'River',
  'Stone',
  'Glass',
  'Winter',
  'Harbor',
  'Echo',
  'Iron',
  'Velvet',
  'Crown',
  'Signal',
];
const GENRES: Genre[] = ['Action', 'Comedy', 'Drama', 'Horror', 'Sci-Fi', 'Romance', 'Thriller', 'Documentary'];
const DIRECTORS = ['Ada Ember', 'Bo Lind', 'Cy Moss', 'Di Park', 'Ed Ruiz', 'Flo Stein', 'Gus Tan', 'Hal Voss'];

/** 1,200 movies: many equal titles (case-insensitively), years and ratings; some values missing. */
function generatedCatalog(count = 1200): Movie[] {
  const rand = prng(42);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)]!;
  const ids = Array.from({ length: count }, (_, i) => `g${String((i * 7919) % 10007).padStart(5, '0')}`);
  return ids.map((id) => {
    const title = `${pick(WORDS)} ${pick(WORDS)}`;
    const fields: Fields = { title: rand() < 0.3 ? title.toLowerCase() : title };
    if (rand() < 0.9)
      fields.releaseDate = `${1980 + Math.floor(rand() * 40)}-0${1 + Math.floor(rand() * 9)}-1${Math.floor(rand() * 10)}`;
    if (rand() < 0.9) fields.imdbRating = Math.round(10 + rand() * 89) / 10;
    if (rand() < 0.8) fields.genres = [...new Set([pick(GENRES), pick(GENRES)])];
    if (rand() < 0.9) fields.director = pick(DIRECTORS);
    if (rand() < 0.5) fields.description = `${pick(WORDS).toLowerCase()} and ${pick(WORDS).toLowerCase()} at dawn`;
    return movie(id, fields);
  });
}

/** The documented order, written independently of the stores: value (missing last), then id ascending. */
function expectedOrder(movies: readonly Movie[], sort: Exclude<SortKey, 'relevance'>): string[] {
  const desc = sort.startsWith('-');
  const field = sort.replace('-', '') as 'title' | 'year' | 'rating';
  const value = (m: Movie): string | number | undefined =>
    field === 'title' ? m.title.toLowerCase() : field === 'year' ? m.year : m.imdbRating;
  return [...movies]
    .sort((a, b) => {
      const va = value(a);
      const vb = value(b);
      if (va !== vb) {
        if (va === undefined) return 1;
        if (vb === undefined) return -1;
        const d = va < vb ? -1 : 1;
        return desc ? -d : d;
      }
      return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
    })
    .map((m) => m.id);
}

const ids = (page: SearchPage): string[] => page.items.map((m) => m.id);
const sorted = (list: readonly string[]): string[] => [...list].sort();

async function searchIds(store: ReadStore, query: Omit<SearchQuery, 'sort' | 'limit'> & { sort?: SortKey }) {
  const page = await store.search({ sort: 'title', limit: 100, ...query });
  return ids(page);
}

/** Follows nextCursor to the end; checks page-level invariants on the way. */
async function allPages(
  store: ReadStore,
  query: Omit<SearchQuery, 'cursor'>,
): Promise<{ ids: string[]; total: number }> {
  const seen: string[] = [];
  let cursor: string | undefined;
  let total: number | undefined;
  let facets: SearchPage['facets'] | undefined;
  for (let pages = 0; pages < 1000; pages++) {
    const page = await store.search({ ...query, ...(cursor ? { cursor } : {}) });
    expect(page.items.length).toBeLessThanOrEqual(query.limit);
    total ??= page.total;
    facets ??= page.facets;
    expect(page.total).toBe(total);
    expect(page.facets).toEqual(facets);
    seen.push(...ids(page));
    if (page.nextCursor === null) return { ids: seen, total };
    expect(page.items.length).toBe(query.limit);
    cursor = page.nextCursor;
  }
  throw new Error('cursor paging did not end');
}

// ---- the contract --------------------------------------------------------------------------------------

/**
 * `separateHandles`: open(label) twice gives two independent clients of the same data (a server). The
 * embedded store lives inside one process, so there the second open is the same instance, and the
 * "two processes race" case cannot be run: only concurrent calls on one instance can.
 */
function readStoreContract(harness: () => StoreHarness, options: { separateHandles: boolean }): void {
  describe('external versioning', () => {
    let store: ReadStore;
    beforeAll(async () => {
      store = await harness().open('versions');
      await store.init();
    });

    it('applies a newer version and makes duplicates and older versions stale', async () => {
      const v1 = movie('v1', { title: 'First cut' }, 1);
      const v2 = movie('v1', { title: 'Second cut' }, 2);
      const v3 = movie('v1', { title: 'Third cut' }, 3);
      expect(await store.apply([live(v1)])).toEqual(['applied']);
      expect(await store.apply([live(v1)])).toEqual(['stale']);
      expect(await store.apply([live(v3)])).toEqual(['applied']);
      expect(await store.apply([live(v2)])).toEqual(['stale']);
      expect(await store.get('v1')).toEqual({ kind: 'movie', movie: v3 });
    });

    it('reports each entry of one batch in order, duplicates within the batch included', async () => {
      const a1 = movie('batch-a', { title: 'A' }, 1);
      const b5 = movie('batch-b', { title: 'B' }, 5);
      const outcome = await store.apply([live(a1), live(b5), live(a1), live(movie('batch-b', { title: 'B old' }, 4))]);
      expect(outcome).toEqual(['applied', 'applied', 'stale', 'stale']);
      expect(await store.get('batch-b')).toEqual({ kind: 'movie', movie: b5 });
    });

    it('returns null for an unknown id', async () => {
      expect(await store.get('no-such-movie')).toBeNull();
    });

    it('keeps a tombstone against a late older update and hides it from search, total and facets', async () => {
      const m2 = movie('doomed', { title: 'Doomed Voyage', genres: ['War'] }, 2);
      const keep = movie('kept', { title: 'Kept Voyage', genres: ['Comedy'] }, 1);
      expect(
        await store.apply([live(movie('doomed', { title: 'Doomed Voyage', genres: ['War'] }, 1)), live(keep)]),
      ).toEqual(['applied', 'applied']);
      expect(await store.apply([tombstone('doomed', 3)])).toEqual(['applied']);
      expect(await store.apply([live(m2), live(movie('doomed', { title: 'Doomed Voyage' }, 3))])).toEqual([
        'stale',
        'stale',
      ]);
      await store.refresh();

      expect(await store.get('doomed')).toEqual(tombstone('doomed', 3));
      const page = await store.search({ q: 'voyage', sort: 'relevance', limit: 10 });
      expect(ids(page)).toEqual(['kept']);
      expect(page.total).toBe(1);
      expect(page.facets.genres).toEqual([{ value: 'Comedy', count: 1 }]);
      const all = await store.search({ sort: 'title', limit: 100 });
      expect(ids(all)).not.toContain('doomed');
      expect(all.facets.genres.map((f) => f.value)).not.toContain('War');

      const scanned: ReadEntry[] = [];
      for await (const batch of store.scan(2)) {
        expect(batch.length).toBeLessThanOrEqual(2);
        scanned.push(...batch);
      }
      expect(scanned).toContainEqual(tombstone('doomed', 3));
      expect(scanned.map((e) => (e.kind === 'movie' ? e.movie.id : e.id))).toEqual([
        'batch-a',
        'batch-b',
        'doomed',
        'kept',
        'v1',
      ]);
      // Resumed after an id (a keyset): the rest, in the same order.
      const resumed: string[] = [];
      for await (const batch of store.scan(2, 'batch-b'))
        resumed.push(...batch.map((e) => (e.kind === 'movie' ? e.movie.id : e.id)));
      expect(resumed).toEqual(['doomed', 'kept', 'v1']);
    });

    it('lets a newer movie version replace a tombstone (the version decides, not the kind)', async () => {
      expect(await store.apply([tombstone('phoenix', 2)])).toEqual(['applied']);
      const reborn = movie('phoenix', { title: 'Phoenix' }, 3);
      expect(await store.apply([live(reborn)])).toEqual(['applied']);
      expect(await store.get('phoenix')).toEqual({ kind: 'movie', movie: reborn });
    });
  });

  describe('visibility', () => {
    it('with refresh, apply returns only once the write is visible to search', async () => {
      const store = await harness().open('visibility');
      await store.init();
      const fresh = movie('visible-now', { title: 'Zanzibar visibility probe' }, 1);
      expect(await store.apply([live(fresh)], { refresh: true })).toEqual(['applied']);
      const page = await store.search({ q: 'Zanzibar', sort: 'relevance', limit: 5 });
      expect(page.items.map((m) => m.id)).toEqual(['visible-now']);
    });
  });

  describe('filters, sorts and facets (ten movies)', () => {
    let store: ReadStore;
    beforeAll(async () => {
      store = await harness().open('catalog');
      await store.init();
      expect(await store.apply(CATALOG.map(live))).toEqual(CATALOG.map(() => 'applied'));
      await store.refresh();
    });

    it('counts everything and returns whole documents', async () => {
      const page = await store.search({ sort: 'title', limit: 100 });
      expect(page.total).toBe(10);
      expect(page.nextCursor).toBeNull();
      expect(sorted(ids(page))).toEqual(CATALOG.map((m) => m.id));
      expect(page.items.find((m) => m.id === 'm01')).toEqual(CATALOG[0]);
    });

    it('filters by genre, any of the given genres', async () => {
      expect(sorted(await searchIds(store, { genres: ['Sci-Fi'] }))).toEqual(['m01', 'm02', 'm05']);
      expect(sorted(await searchIds(store, { genres: ['Crime', 'Comedy'] }))).toEqual([
        'm03',
        'm04',
        'm07',
        'm08',
        'm09',
      ]);
      expect(sorted(await searchIds(store, { genres: ['sci-fi'] }))).toEqual(['m01', 'm02', 'm05']);
      expect(sorted(await searchIds(store, { genres: ['CRIME', 'comedy'] }))).toEqual([
        'm03',
        'm04',
        'm07',
        'm08',
        'm09',
      ]);
      expect(await searchIds(store, { genres: ['sci'] })).toEqual([]);
    });

    it('filters by director having every word given, case-insensitively', async () => {
      expect(sorted(await searchIds(store, { director: 'david fincher' }))).toEqual(['m04', 'm07']);
      expect(sorted(await searchIds(store, { director: '  David FINCHER ' }))).toEqual(['m04', 'm07']);
      expect(sorted(await searchIds(store, { director: 'Fincher' }))).toEqual(['m04', 'm07']);
      expect(sorted(await searchIds(store, { director: 'fincher david' }))).toEqual(['m04', 'm07']);
      expect(await searchIds(store, { director: 'jean-pierre' })).toEqual(['m03']);
      expect(await searchIds(store, { director: 'Jeunet' })).toEqual(['m03']);
      expect(await searchIds(store, { director: 'david nolan' })).toEqual([]);
      expect(await searchIds(store, { director: 'finch' })).toEqual([]);
      expect(await searchIds(store, { director: '...' })).toEqual([]);
    });

    it('filters by MPAA rating, case-insensitively', async () => {
      expect(sorted(await searchIds(store, { mpaaRating: 'R' }))).toEqual(['m03', 'm04', 'm05', 'm07', 'm10']);
      expect(await searchIds(store, { mpaaRating: 'G' })).toEqual(['m09']);
      expect(sorted(await searchIds(store, { mpaaRating: 'pg-13' as 'PG-13' }))).toEqual(['m01', 'm02']);
    });

    it('filters by year range, bounds included, movies without a year excluded', async () => {
      expect(sorted(await searchIds(store, { yearFrom: 2007 }))).toEqual(['m01', 'm02', 'm04', 'm08', 'm10']);
      expect(sorted(await searchIds(store, { yearTo: 2001 }))).toEqual(['m03', 'm05', 'm07']);
      expect(sorted(await searchIds(store, { yearFrom: 2001, yearTo: 2007 }))).toEqual(['m03', 'm04', 'm08']);
    });

    it('filters by minimum rating, bound included', async () => {
      expect(sorted(await searchIds(store, { minRating: 8.6 }))).toEqual(['m01', 'm02', 'm07']);
      expect(sorted(await searchIds(store, { minRating: 8.3 }))).toEqual(['m01', 'm02', 'm03', 'm05', 'm07', 'm09']);
    });

    it('combines every filter with AND', async () => {
      const page = await store.search({
        genres: ['Drama', 'Crime'],
        mpaaRating: 'R',
        yearFrom: 2005,
        minRating: 7.5,
        sort: 'title',
        limit: 10,
      });
      expect(ids(page)).toEqual(['m04']);
      expect(page.total).toBe(1);
      expect(await searchIds(store, { q: 'alien', mpaaRating: 'R' })).toEqual(['m05']);
      expect(await searchIds(store, { director: 'christopher nolan', yearTo: 2012 })).toEqual(['m01']);
    });

    it('treats blank text and an empty genre list as no constraint', async () => {
      expect((await store.search({ q: '   ', genres: [], sort: 'title', limit: 100 })).total).toBe(10);
    });

    it('matches whole words of title, director and description, case-insensitively', async () => {
      expect(await searchIds(store, { q: 'INCEPTION' })).toEqual(['m01']);
      expect(sorted(await searchIds(store, { q: 'christopher' }))).toEqual(['m01', 'm02']);
      expect(await searchIds(store, { q: 'dreams' })).toEqual(['m01']);
      expect(await searchIds(store, { q: 'amélie' })).toEqual(['m03']);
      expect(await searchIds(store, { q: 'se7en' })).toEqual(['m07']);
      expect(await searchIds(store, { q: 'incep' })).toEqual(['m01']);
    });

    it('needs every word by default, in any of the fields', async () => {
      const both = await store.search({ q: 'inception nolan', sort: 'relevance', limit: 10 });
      expect(ids(both)).toEqual(['m01']);
      expect(both.total).toBe(1);
      expect(both.match).toBe('all');
      expect(sorted(await searchIds(store, { q: 'christopher nolan' }))).toEqual(['m01', 'm02']);
      expect(await searchIds(store, { q: 'nolan thief dreams' })).toEqual(['m01']);
    });

    it('falls back to any word when no movie has them all, and says so', async () => {
      const page = await store.search({ q: 'zodiac toy', sort: 'title', limit: 10 });
      expect(ids(page)).toEqual(['m09', 'm04']);
      expect(page.total).toBe(2);
      expect(page.match).toBe('any');
      expect(page.facets.genres).toEqual(
        [
          { value: 'Comedy', count: 1 },
          { value: 'Animation', count: 1 },
          { value: 'Crime', count: 1 },
          { value: 'Drama', count: 1 },
        ].sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : 1)),
      );
      // The filters count: all words with the filter find nothing, so the fallback applies with it.
      const filtered = await store.search({ q: 'zodiac toy', mpaaRating: 'R', sort: 'title', limit: 10 });
      expect(ids(filtered)).toEqual(['m04']);
      expect(filtered.match).toBe('any');
      const none = await store.search({ q: 'zodiac toy', mpaaRating: 'NC-17', sort: 'title', limit: 10 });
      expect(ids(none)).toEqual([]);
      expect(none.total).toBe(0);
      // Without text, or with one word, there is nothing to fall back to.
      expect((await store.search({ sort: 'title', limit: 1 })).match).toBe('all');
      const one = await store.search({ q: 'nosuchword', sort: 'relevance', limit: 10 });
      expect([one.total, one.match]).toEqual([0, 'all']);
    });

    it('ignores English stop words unless the query has nothing else', async () => {
      expect(await searchIds(store, { q: 'the toy story' })).toEqual(['m09']);
      expect(await searchIds(store, { q: 'a toy of the story' })).toEqual(['m09']);
      const page = await store.search({ q: 'the inception', sort: 'relevance', limit: 10 });
      expect([ids(page), page.match]).toEqual([['m01'], 'all']);
      // `through` is no stop word: m01's description has it.
      expect(await searchIds(store, { q: 'through' })).toEqual(['m01']);
    });

    it('tolerates typos by word length (none under 3 letters, 1 edit up to 5, 2 from 6)', async () => {
      expect(await searchIds(store, { q: 'incpetion' })).toEqual(['m01']);
      expect(await searchIds(store, { q: 'intersteler' })).toEqual(['m02']);
      expect(await searchIds(store, { q: 'zodiak' })).toEqual(['m04']);
      expect(await searchIds(store, { q: 'seven' })).toEqual(['m07']);
      expect(await searchIds(store, { q: 'christopher nolen' })).toEqual(['m01', 'm02']);
      // Three edits on a long word are too many; two on a 5-letter word too.
      expect(await searchIds(store, { q: 'inxxxtion' })).toEqual([]);
      expect(await searchIds(store, { q: 'axiex' })).toEqual([]);
      expect(await searchIds(store, { q: 'boyhooxx' })).toEqual(['m10']);
      expect(await searchIds(store, { q: 'bxyhooxx' })).toEqual([]);
    });

    it('matches the last word as a prefix (search as you type), and only the last one', async () => {
      expect(await searchIds(store, { q: 'interst' })).toEqual(['m02']);
      expect(await searchIds(store, { q: 'toy sto' })).toEqual(['m09']);
      expect(await searchIds(store, { q: 'christopher nol' })).toEqual(['m01', 'm02']);
      const page = await store.search({ q: 'inter nolan', sort: 'relevance', limit: 10 });
      expect(page.match).toBe('any');
      expect(sorted(ids(page))).toEqual(['m01', 'm02']);
    });

    const cases: Array<[SortKey, string[]]> = [
      ['title', ['m05', 'm08', 'm03', 'm10', 'm01', 'm02', 'm07', 'm09', 'm06', 'm04']],
      ['-title', ['m04', 'm06', 'm09', 'm07', 'm02', 'm01', 'm10', 'm03', 'm05', 'm08']],
      ['year', ['m05', 'm07', 'm03', 'm04', 'm08', 'm01', 'm02', 'm10', 'm06', 'm09']],
      ['-year', ['m02', 'm10', 'm01', 'm04', 'm08', 'm03', 'm07', 'm05', 'm06', 'm09']],
      ['rating', ['m04', 'm08', 'm03', 'm09', 'm05', 'm02', 'm07', 'm01', 'm06', 'm10']],
      ['-rating', ['m01', 'm02', 'm07', 'm05', 'm03', 'm09', 'm04', 'm08', 'm06', 'm10']],
      ['relevance', ['m01', 'm02', 'm03', 'm04', 'm05', 'm06', 'm07', 'm08', 'm09', 'm10']],
    ];
    it.each(cases)('sorts by %s with ties broken by id and missing values last', async (sort, expected) => {
      expect(await searchIds(store, { sort })).toEqual(expected);
      // The same order when paged one movie at a time.
      expect((await allPages(store, { sort, limit: 1 })).ids).toEqual(expected);
      expect((await allPages(store, { sort, limit: 3 })).ids).toEqual(expected);
    });

    it('counts genre facets over the filtered set, count descending then value ascending', async () => {
      const all = await store.search({ sort: 'title', limit: 1 });
      expect(all.facets.genres).toEqual([
        { value: 'Comedy', count: 3 },
        { value: 'Drama', count: 3 },
        { value: 'Sci-Fi', count: 3 },
        { value: 'Crime', count: 2 },
        { value: 'Action', count: 1 },
        { value: 'Animation', count: 1 },
        { value: 'Horror', count: 1 },
        { value: 'Mystery', count: 1 },
        { value: 'Romance', count: 1 },
      ]);
      const rated = await store.search({ mpaaRating: 'R', sort: 'title', limit: 1 });
      expect(rated.total).toBe(5);
      expect(rated.facets.genres).toEqual([
        { value: 'Crime', count: 2 },
        { value: 'Drama', count: 2 },
        { value: 'Comedy', count: 1 },
        { value: 'Horror', count: 1 },
        { value: 'Mystery', count: 1 },
        { value: 'Romance', count: 1 },
        { value: 'Sci-Fi', count: 1 },
      ]);
      const text = await store.search({ q: 'nolan', sort: 'relevance', limit: 1 });
      expect(text.total).toBe(2);
      expect(text.facets.genres).toEqual([
        { value: 'Sci-Fi', count: 2 },
        { value: 'Action', count: 1 },
        { value: 'Drama', count: 1 },
      ]);
    });

    it('counts MPAA ratings and decades, each facet without its own filter and with every other', async () => {
      const all = await store.search({ sort: 'title', limit: 1 });
      expect(all.facets.mpaaRatings).toEqual([
        { value: 'R', count: 5 },
        { value: 'PG-13', count: 2 },
        { value: 'G', count: 1 },
        { value: 'PG', count: 1 },
      ]);
      expect(all.facets.decades).toEqual([
        { value: 1970, count: 1 },
        { value: 1990, count: 1 },
        { value: 2000, count: 3 },
        { value: 2010, count: 3 },
      ]);
      // With mpaaRating=R and the 2000s: the hits are R movies of 2000-2009, the rating facet counts every
      // rating of the 2000s (what choosing another rating gives), the decade facet every decade of R movies.
      const page = await store.search({ mpaaRating: 'R', yearFrom: 2000, yearTo: 2009, sort: 'title', limit: 10 });
      expect(ids(page)).toEqual(['m03', 'm04']);
      expect(page.facets.mpaaRatings).toEqual([
        { value: 'R', count: 2 },
        { value: 'PG', count: 1 },
      ]);
      expect(page.facets.decades).toEqual([
        { value: 1970, count: 1 },
        { value: 1990, count: 1 },
        { value: 2000, count: 2 },
        { value: 2010, count: 1 },
      ]);
      expect(page.facets.genres).toEqual([
        { value: 'Comedy', count: 1 },
        { value: 'Crime', count: 1 },
        { value: 'Drama', count: 1 },
        { value: 'Romance', count: 1 },
      ]);
      // A facet count is the total that selecting the value gives.
      expect(
        (await store.search({ mpaaRating: 'PG', yearFrom: 2000, yearTo: 2009, sort: 'title', limit: 1 })).total,
      ).toBe(1);
      expect(
        (await store.search({ mpaaRating: 'R', yearFrom: 1970, yearTo: 1979, sort: 'title', limit: 1 })).total,
      ).toBe(1);
      // The genre filter leaves the genre facet alone and narrows the others; text and director narrow all.
      const genre = await store.search({ genres: ['drama'], sort: 'title', limit: 1 });
      expect(genre.total).toBe(3);
      expect(genre.facets.genres).toEqual(all.facets.genres);
      expect(genre.facets.mpaaRatings).toEqual([
        { value: 'R', count: 2 },
        { value: 'PG-13', count: 1 },
      ]);
      expect(genre.facets.decades).toEqual([
        { value: 2000, count: 1 },
        { value: 2010, count: 2 },
      ]);
      const nolan = await store.search({ director: 'nolan', sort: 'title', limit: 1 });
      expect(nolan.facets).toEqual({
        genres: [
          { value: 'Sci-Fi', count: 2 },
          { value: 'Action', count: 1 },
          { value: 'Drama', count: 1 },
        ],
        mpaaRatings: [{ value: 'PG-13', count: 2 }],
        decades: [{ value: 2010, count: 2 }],
      });
    });

    it('rejects garbage cursors and cursors made for another sort', async () => {
      const first = await store.search({ sort: 'title', limit: 2 });
      expect(first.nextCursor).toEqual(expect.any(String));
      expect(first.nextCursor).toMatch(/^[A-Za-z0-9_-]+$/);
      const cursor = first.nextCursor!;
      await expect(store.search({ sort: 'title', limit: 2, cursor })).resolves.toBeDefined();
      for (const sort of ['-title', 'year', 'relevance'] as const) {
        await expect(store.search({ sort, limit: 2, cursor })).rejects.toBeInstanceOf(InvalidCursorError);
      }
      const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
      const [fingerprint, , id] = JSON.parse(Buffer.from(cursor, 'base64url').toString()) as [string, unknown, string];
      const tampered = [
        b64([fingerprint, 42, id]),
        b64([fingerprint, 'alien', 'bad id!']),
        b64(['other', 'alien', id]),
      ];
      for (const garbage of ['garbage', '!!!', '', 'e30', b64({}), b64([1, 2, 3]), cursor.slice(0, -3), ...tampered]) {
        await expect(store.search({ sort: 'title', limit: 2, cursor: garbage })).rejects.toBeInstanceOf(
          InvalidCursorError,
        );
      }
    });
  });

  describe('relevance', () => {
    let store: ReadStore;
    beforeAll(async () => {
      store = await harness().open('relevance');
      await store.init();
      await store.apply([
        live(
          movie('desc-only', {
            title: 'Quiet Harbor',
            description: 'A long journey to the nebula at the edge of space.',
          }),
        ),
        live(movie('in-title', { title: 'Nebula Rising', description: 'A long journey to the edge of space.' })),
        live(movie('by-director', { title: 'Something Else', director: 'Nebula Jones' })),
        live(movie('unrelated', { title: 'Harbor Lights', description: 'Nothing to see.' })),
        live(movie('stove', { title: 'Stove Heat' })),
        live(movie('stones', { title: 'Stones Heat' })),
        live(movie('stone', { title: 'Stone Heat' })),
      ]);
      await store.refresh();
    });

    it('ranks a title match above a description-only match', async () => {
      const page = await store.search({ q: 'nebula', sort: 'relevance', limit: 10 });
      expect(sorted(ids(page))).toEqual(['by-director', 'desc-only', 'in-title']);
      expect(ids(page)[0]).toBe('in-title');
      expect(page.total).toBe(3);
    });

    it('falls back to any of the words when no movie has them all', async () => {
      const page = await store.search({ q: 'nebula lights', sort: 'title', limit: 10 });
      expect(sorted(ids(page))).toEqual(['by-director', 'desc-only', 'in-title', 'unrelated']);
      expect(page.match).toBe('any');
    });

    it('ranks an exact word above a typo and a prefix match of it', async () => {
      const page = await store.search({ q: 'stone', sort: 'relevance', limit: 10 });
      expect(ids(page)[0]).toBe('stone');
      expect(sorted(ids(page))).toEqual(['stone', 'stones', 'stove']);
      // `stones` (6 letters) is 2 edits from `jones` (Nebula Jones) and `stove`.
      const typed = await store.search({ q: 'stones', sort: 'relevance', limit: 10 });
      expect(ids(typed)[0]).toBe('stones');
      expect(sorted(ids(typed))).toEqual(['by-director', 'stone', 'stones', 'stove']);
    });
  });

  describe('suggestions', () => {
    let store: ReadStore;
    beforeAll(async () => {
      store = await harness().open('suggest');
      await store.init();
      await store.apply([
        ...CATALOG.map(live),
        live(movie('m11', { title: 'Star Wars', director: 'George Lucas', releaseDate: '1977-05-25' })),
        live(movie('m12', { title: 'Stardust', description: 'A star falls.', releaseDate: '2007-08-10' })),
        live(movie('m13', { title: 'Lone Star State of Mind', releaseDate: '2002-01-01' })),
        live(movie('m14', { title: 'Star Trek', releaseDate: '2009-05-08' })),
        live(movie('m16', { title: 'It', description: 'A clown.' })),
        live(movie('m15', { title: 'Interstellar Ghost' }, 1)),
      ]);
      await store.apply([tombstone('m15', 2)]);
      await store.refresh();
    });

    const titles = async (q: string, limit = 10) => (await store.suggest({ q, limit })).map((s) => s.title);

    it('completes the last word of a title and returns id, title and year', async () => {
      expect(await store.suggest({ q: 'incep', limit: 10 })).toEqual([{ id: 'm01', title: 'Inception', year: 2010 }]);
      expect(await store.suggest({ q: 'toy st', limit: 10 })).toEqual([{ id: 'm09', title: 'Toy Story' }]);
      expect(await titles('star w')).toEqual(['Star Wars']);
    });

    it('ranks whole words above completions, matches titles only and hides deleted movies', async () => {
      const star = await titles('star');
      expect(star.slice(0, 3).sort()).toEqual(['Lone Star State of Mind', 'Star Trek', 'Star Wars']);
      expect(star.slice(3)).toEqual(['Stardust']);
      // `nolan` is a director, `thief` a description word: not titles.
      expect(await titles('nolan')).toEqual([]);
      expect(await titles('thief')).toEqual([]);
      expect(await titles('interst')).toEqual(['interstellar']);
    });

    it('tolerates typos, drops stop words and honours the limit', async () => {
      expect(await titles('incpetion')).toEqual(['Inception']);
      expect(await titles('the toy')).toEqual(['Toy Story']);
      // A query of stop words only keeps them.
      expect(await titles('it')).toEqual(['It']);
      expect(ids(await store.search({ q: 'it', sort: 'relevance', limit: 10 }))).toEqual(['m16']);
      expect(ids(await store.search({ q: 'the', sort: 'relevance', limit: 10 }))).toEqual([]);
      expect(await titles('star', 2)).toHaveLength(2);
      expect(await titles('...')).toEqual([]);
      await expect(store.suggest({ q: 'star', limit: 11 })).rejects.toThrow(RangeError);
    });
  });

  describe('cursor paging over 1,200 movies', () => {
    const movies = generatedCatalog();
    let store: ReadStore;
    beforeAll(async () => {
      store = await harness().open('paging');
      await store.init();
      expect(new Set(movies.map((m) => m.id)).size).toBe(movies.length);
      const outcome = await store.apply(movies.map(live));
      expect(outcome.every((o) => o === 'applied')).toBe(true);
      await store.refresh();
    }, 60_000);

    const sorts = ['title', '-title', 'year', '-year', 'rating', '-rating'] as const;
    it.each(sorts)('returns every movie exactly once in %s order', async (sort) => {
      const { ids: seen, total } = await allPages(store, { sort, limit: 97 });
      expect(total).toBe(movies.length);
      expect(seen).toEqual(expectedOrder(movies, sort));
    });

    it('returns every match exactly once when filtered', async () => {
      const filtered = movies.filter(
        (m) => m.genres?.some((g) => g === 'Drama' || g === 'Horror') && (m.imdbRating ?? 0) >= 5,
      );
      const { ids: seen, total } = await allPages(store, {
        genres: ['Drama', 'Horror'],
        minRating: 5,
        sort: '-rating',
        limit: 50,
      });
      expect(total).toBe(filtered.length);
      expect(seen).toEqual(expectedOrder(filtered, '-rating'));
    });

    it('returns every match exactly once by relevance, with and without text', async () => {
      const { ids: everything } = await allPages(store, { sort: 'relevance', limit: 100 });
      expect(everything).toEqual(movies.map((m) => m.id).sort());

      const words = (s: string | undefined) => (s ?? '').toLowerCase().split(/[^a-z0-9]+/);
      const matching = movies
        .filter((m) => [m.title, m.director, m.description].some((f) => words(f).includes('ember')))
        .map((m) => m.id);
      expect(matching.length).toBeGreaterThan(300);
      const { ids: seen, total } = await allPages(store, { q: 'ember', sort: 'relevance', limit: 64 });
      expect(total).toBe(matching.length);
      expect(seen).toHaveLength(matching.length);
      expect(sorted(seen)).toEqual(sorted(matching));

      // The title weighs most: the best hit has the word in its title.
      const first = await store.search({ q: 'ember', sort: 'relevance', limit: 1 });
      expect(words(first.items[0]?.title)).toContain('ember');
    });

    it('counts facets over all matches, not the page', async () => {
      const page = await store.search({ sort: 'year', limit: 5 });
      const counts = new Map<string, number>();
      for (const m of movies) for (const g of m.genres ?? []) counts.set(g, (counts.get(g) ?? 0) + 1);
      const expected = [...counts]
        .map(([value, count]) => ({ value, count }))
        .sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : 1));
      expect(page.facets.genres).toEqual(expected);
      expect(page.total).toBe(movies.length);
    });

    it('scans every entry once, in batches', async () => {
      const seen: string[] = [];
      for await (const batch of store.scan(250)) {
        expect(batch.length).toBeLessThanOrEqual(250);
        for (const entry of batch) seen.push(entry.kind === 'movie' ? entry.movie.id : entry.id);
      }
      expect(sorted(seen)).toEqual(sorted(movies.map((m) => m.id)));
    });
  });

  describe('rebuild primitives', () => {
    it('builds a new index beside the live one and swaps the alias atomically', async () => {
      const store = await harness().open('rebuild');
      expect(await store.currentIndex()).toBeNull();
      await expect(store.search({ sort: 'title', limit: 1 })).rejects.toBeInstanceOf(ReadStoreUnavailableError);
      await expect(store.get('r1')).rejects.toBeInstanceOf(ReadStoreUnavailableError);
      await store.init();
      const first = await store.currentIndex();
      expect(first).toEqual(expect.any(String));
      await store.apply([live(movie('r1', { title: 'Old World' }))]);
      await store.refresh();

      const next = await createNewIndex(store);
      expect(next).not.toBe(first);
      expect(
        await store.apply([live(movie('r1', { title: 'New World' })), live(movie('r2', { title: 'Brave World' }))], {
          index: next,
        }),
      ).toEqual(['applied', 'applied']);
      await store.refresh();
      // Queries still read the old index until the swap.
      expect(await searchIds(store, { q: 'world' })).toEqual(['r1']);
      expect(await store.currentIndex()).toBe(first);

      expect(await store.swapAlias(next)).toEqual([first]);
      expect(await store.currentIndex()).toBe(next);
      await store.refresh();
      expect(await searchIds(store, { q: 'world' })).toEqual(['r2', 'r1']);
      expect(await store.get('r1')).toEqual({ kind: 'movie', movie: movie('r1', { title: 'New World' }) });

      await expect(store.deleteIndex(next)).rejects.toThrow();
      await store.deleteIndex(first!);
      expect((await store.search({ sort: 'title', limit: 10 })).total).toBe(2);
      // Writes through the alias land in the new index.
      expect(await store.apply([live(movie('r3', { title: 'Third World' }))])).toEqual(['applied']);
      await store.refresh();
      expect(await searchIds(store, { q: 'third' })).toEqual(['r3']);
      await expect(store.apply([live(movie('r4', { title: 'Gone' }))], { index: first! })).rejects.toThrow();
    });

    it('creating the index newIndexName gave is idempotent: a repeated create keeps it and what was loaded into it; the next name differs', async () => {
      const store = await harness().open('create-again');
      await store.init();
      const name = await store.newIndexName();
      expect(await store.newIndexName()).toBe(name); // naming creates nothing
      await store.createIndex(name);
      expect(await store.apply([live(movie('again-1', { title: 'Kept' }))], { index: name })).toEqual(['applied']);
      await store.createIndex(name); // a step that died after creating the index, run again
      const next = await store.newIndexName();
      expect(next).not.toBe(name);
      await store.swapAlias(name);
      expect(await store.get('again-1')).toMatchObject({ kind: 'movie', movie: { title: 'Kept' } });
      await expect(store.createIndex('someone-elses-index')).rejects.toThrow(/not a physical index name/);
    });

    it('a rebuild load of many entries (several bulk requests) gives every outcome in order; the swapped-in index then shows new writes by itself', async () => {
      const store = await harness().open('rebuild-load');
      await store.init();
      const next = await createNewIndex(store);
      const many = Array.from({ length: 2_500 }, (_, i) =>
        live(movie(`load-${String(i).padStart(4, '0')}`, { title: `Loaded ${i}` }, 2)),
      );
      const outcomes = await store.apply([...many, live(movie('load-0007', { title: 'Older' }, 1))], { index: next });
      expect(outcomes.length).toBe(2_501);
      expect(outcomes.filter((o) => o === 'applied').length).toBe(2_500);
      expect(outcomes[2_500]).toBe('stale');
      await store.swapAlias(next);
      expect((await store.search({ sort: 'title', limit: 1 })).total).toBe(2_500);
      // No refresh() call from here: the live index must refresh on its own schedule.
      await store.apply([live(movie('after-swap', { title: 'Arrived after the swap' }))]);
      await expect
        .poll(async () => (await store.search({ q: 'arrived', sort: 'relevance', limit: 5 })).total, {
          timeout: 15_000,
          interval: 100,
        })
        .toBe(1);
    });

    it('initialises idempotently when init calls on one instance overlap', async () => {
      const store = await harness().open('init-overlap');
      await Promise.all([store.init(), store.init(), store.init()]);
      const index = await store.currentIndex();
      expect(index).toEqual(expect.any(String));
      await store.init();
      expect(await store.currentIndex()).toBe(index);
      expect(await store.health()).toBe('up');
    });

    // Declared only where two handles really are two clients (a skipped test fails CI).
    if (options.separateHandles) {
      it('initialises idempotently when two processes race (two separate clients of one server)', async () => {
        const a = await harness().open('init-race');
        const b = await harness().open('init-race');
        expect(a).not.toBe(b);
        await Promise.all([a.init(), b.init(), a.init(), b.init()]);
        const index = await a.currentIndex();
        expect(index).toEqual(expect.any(String));
        expect(await b.currentIndex()).toBe(index);
        await b.init();
        expect(await a.currentIndex()).toBe(index);
        expect(await a.health()).toBe('up');
      });
    }
  });
}

// ---- the two stores --------------------------------------------------------------------------------------

describe('embedded read store', () => {
  const stores = new Map<string, ReadStore>();
  readStoreContract(
    () => ({
      async open(label) {
        const existing = stores.get(label);
        if (existing) return existing;
        const store = createEmbeddedReadStore({ alias: label });
        stores.set(label, store);
        return store;
      },
    }),
    { separateHandles: false },
  );
});

describe.skipIf(unavailable('Elasticsearch', elasticsearchUnavailableReason()))('elasticsearch read store', () => {
  const prefix = uniqueIndexPrefix('contract');
  let server: ElasticsearchServer | undefined;
  const opened: ReadStore[] = [];

  beforeAll(async () => {
    server = await startElasticsearch();
  }, 180_000);

  afterAll(async () => {
    await Promise.all(opened.map((s) => s.close()));
    if (server && !server.private) await deleteIndicesWithPrefix(server.url, prefix);
    await server?.stop();
  }, 60_000);

  readStoreContract(
    () => ({
      async open(label) {
        if (!server) throw new Error('Elasticsearch did not start');
        const store = createElasticsearchReadStore({ node: server.url, alias: `${prefix}-${label}` });
        opened.push(store);
        return store;
      },
    }),
    { separateHandles: true },
  );

  it('reports down and throws ReadStoreUnavailableError when the server cannot be reached', async () => {
    const store = createElasticsearchReadStore({
      node: 'http://127.0.0.1:1',
      alias: `${prefix}-nowhere`,
      requestTimeoutMs: 1000,
    });
    try {
      expect(await store.health()).toBe('down');
      await expect(store.apply([live(movie('x', { title: 'X' }))])).rejects.toBeInstanceOf(ReadStoreUnavailableError);
      await expect(store.search({ sort: 'title', limit: 1 })).rejects.toBeInstanceOf(ReadStoreUnavailableError);
    } finally {
      await store.close();
    }
  }, 30_000);
});

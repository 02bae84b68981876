/**
 * Relevance over the seeded catalog (vega-datasets movies, mapped as `npm run seed` maps them): a fixed
 * list of queries a user of a movie catalog would type, each with the films that must come back in the
 * top 3 or top 10. Both stores run the same list; the hit rate is printed and must stay at 100%.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toRepresentation, type Movie } from '../../shared/domain/movie';
import { createElasticsearchReadStore } from '../../shared/read-model/elasticsearch';
import { createEmbeddedReadStore } from '../../shared/read-model/embedded';
import type { ReadStore, SearchQuery } from '../../shared/read-model/port';
import { mapRecord, type VegaMovie } from '../../shared/seed/mapping';
import {
  deleteIndicesWithPrefix,
  elasticsearchUnavailableReason,
  startElasticsearch,
  uniqueIndexPrefix,
  type ElasticsearchServer,
} from '../support/elasticsearch';
import { unavailable } from '../support/services';

type Filters = Omit<SearchQuery, 'q' | 'sort' | 'limit' | 'cursor'>;
interface Case {
  readonly kind: 'exact title' | 'partial title' | 'misspelling' | 'director' | 'stop words' | 'word + filter';
  readonly q: string;
  readonly filters?: Filters;
  readonly top: 3 | 10;
  /** Titles, exactly as in the catalog, that must all be among the first `top` results. */
  readonly expect: readonly string[];
}

const CASES: readonly Case[] = [
  {
    kind: 'exact title',
    q: 'star wars',
    top: 10,
    expect: ['Star Wars Ep. IV: A New Hope', 'Star Wars Ep. V: The Empire Strikes Back'],
  },
  { kind: 'exact title', q: 'terminator', top: 3, expect: ['The Terminator'] },
  {
    kind: 'exact title',
    q: 'harry potter',
    top: 10,
    expect: ["Harry Potter and the Sorcerer's Stone", 'Harry Potter and the Goblet of Fire'],
  },
  { kind: 'exact title', q: 'jurassic park', top: 3, expect: ['Jurassic Park'] },
  { kind: 'exact title', q: 'titanic', top: 3, expect: ['Titanic'] },
  { kind: 'exact title', q: 'pulp fiction', top: 3, expect: ['Pulp Fiction'] },
  { kind: 'exact title', q: 'gladiator', top: 3, expect: ['Gladiator'] },
  { kind: 'exact title', q: 'inception', top: 3, expect: ['Inception'] },
  { kind: 'exact title', q: 'up', top: 3, expect: ['Up'] },
  { kind: 'exact title', q: 'big', top: 3, expect: ['Big'] },
  { kind: 'partial title', q: 'termin', top: 10, expect: ['The Terminator', 'Terminator 2: Judgment Day'] },
  { kind: 'partial title', q: 'shawshank', top: 3, expect: ['The Shawshank Redemption'] },
  { kind: 'partial title', q: 'jurass', top: 3, expect: ['Jurassic Park'] },
  {
    kind: 'partial title',
    q: 'pirates caribbean',
    top: 3,
    expect: ['Pirates of the Caribbean: The Curse of the Black Pearl'],
  },
  { kind: 'partial title', q: 'kill bill', top: 3, expect: ['Kill Bill: Volume 1', 'Kill Bill: Volume 2'] },
  { kind: 'partial title', q: 'silence lambs', top: 3, expect: ['The Silence of the Lambs'] },
  { kind: 'partial title', q: 'toy sto', top: 3, expect: ['Toy Story', 'Toy Story 2'] },
  { kind: 'misspelling', q: 'termiantor', top: 10, expect: ['The Terminator'] },
  { kind: 'misspelling', q: 'terminater', top: 10, expect: ['The Terminator'] },
  { kind: 'misspelling', q: 'godfater', top: 3, expect: ['The Godfather'] },
  { kind: 'misspelling', q: 'jurrasic park', top: 3, expect: ['Jurassic Park'] },
  { kind: 'misspelling', q: 'shawshank redemtion', top: 3, expect: ['The Shawshank Redemption'] },
  { kind: 'misspelling', q: 'gladiater', top: 3, expect: ['Gladiator'] },
  { kind: 'misspelling', q: 'forest gump', top: 3, expect: ['Forrest Gump'] },
  { kind: 'misspelling', q: 'schindlers list', top: 3, expect: ["Schindler's List"] },
  {
    kind: 'director',
    q: 'christopher nolan',
    top: 10,
    expect: ['Memento', 'Inception', 'The Dark Knight', 'Batman Begins', 'The Prestige'],
  },
  { kind: 'director', q: 'tarantino', top: 10, expect: ['Pulp Fiction', 'Reservoir Dogs', 'Jackie Brown'] },
  { kind: 'director', q: 'james cameron', top: 10, expect: ['Titanic', 'Avatar', 'Aliens', 'The Terminator'] },
  { kind: 'director', q: 'spielberg jaws', top: 3, expect: ['Jaws'] },
  { kind: 'director', q: 'speilberg jaws', top: 3, expect: ['Jaws'] },
  { kind: 'stop words', q: 'the godfather', top: 3, expect: ['The Godfather'] },
  {
    kind: 'stop words',
    q: 'lord of the rings',
    top: 3,
    expect: [
      'The Lord of the Rings: The Two Towers',
      'The Lord of the Rings: The Return of the King',
      'The Lord of the Rings: The Fellowship of the Ring',
    ],
  },
  {
    kind: 'stop words',
    q: 'the lord of the rings the two towers',
    top: 3,
    expect: ['The Lord of the Rings: The Two Towers'],
  },
  { kind: 'stop words', q: 'no country for old men', top: 3, expect: ['No Country for Old Men'] },
  { kind: 'stop words', q: 'men in black', top: 3, expect: ['Men in Black'] },
  { kind: 'stop words', q: 'the dark knight', top: 3, expect: ['The Dark Knight'] },
  { kind: 'stop words', q: 'back to the future', top: 3, expect: ['Back to the Future'] },
  { kind: 'stop words', q: 'raiders of the lost ark', top: 3, expect: ['Raiders of the Lost Ark'] },
  { kind: 'word + filter', q: 'alien', filters: { mpaaRating: 'R' }, top: 3, expect: ['Alien'] },
  { kind: 'word + filter', q: 'alien', filters: { mpaaRating: 'R' }, top: 10, expect: ['Aliens'] },
  { kind: 'word + filter', q: 'toy', filters: { genres: ['adventure'] }, top: 3, expect: ['Toy Story', 'Toy Story 2'] },
  { kind: 'word + filter', q: 'batman', filters: { yearFrom: 2005 }, top: 3, expect: ['Batman Begins'] },
  {
    kind: 'word + filter',
    q: 'story',
    filters: { director: 'lasseter' },
    top: 3,
    expect: ['Toy Story', 'Toy Story 2'],
  },
  {
    kind: 'word + filter',
    q: 'godfather',
    filters: { yearTo: 1975 },
    top: 3,
    expect: ['The Godfather', 'The Godfather: Part II'],
  },
];

/** The seeded catalog, as the seed maps it (records the seed skips are skipped here too). */
function seededCatalog(): Movie[] {
  const raw = JSON.parse(
    readFileSync(join(dirname(require.resolve('vega-datasets')), '..', 'data', 'movies.json'), 'utf8'),
  ) as VegaMovie[];
  const movies: Movie[] = [];
  raw.forEach((record, index) => {
    const mapped = mapRecord(record, index);
    if (!mapped.ok) return;
    const at = '2026-01-01T00:00:00.000Z';
    movies.push(toRepresentation({ id: `seed-${index}`, version: 1, createdAt: at, updatedAt: at, ...mapped.fields }));
  });
  return movies;
}

function relevanceSuite(open: () => Promise<ReadStore>): void {
  let store: ReadStore;
  const misses: string[] = [];
  let ran = 0;

  beforeAll(async () => {
    store = await open();
    await store.init();
    const movies = seededCatalog();
    expect(movies.length).toBeGreaterThan(3000);
    for (let i = 0; i < movies.length; i += 500) {
      const outcome = await store.apply(movies.slice(i, i + 500).map((movie) => ({ kind: 'movie' as const, movie })));
      expect(outcome.every((o) => o === 'applied')).toBe(true);
    }
    await store.refresh();
  }, 180_000);

  afterAll(() => {
    const hits = ran - misses.length;
    console.log(
      `relevance (${store.kind}): ${hits}/${ran} queries hit (${ran ? ((100 * hits) / ran).toFixed(1) : '-'}%)`,
    );
    for (const miss of misses) console.log(`  miss: ${miss}`);
  });

  it('has at least 30 queries of every kind', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(30);
    expect(new Set(CASES.map((c) => c.kind)).size).toBe(6);
  });

  it.each(CASES.map((c) => [`${c.q}${c.filters ? ` ${JSON.stringify(c.filters)}` : ''}`, c] as const))(
    '%s',
    async (_label, c) => {
      const page = await store.search({ q: c.q, ...c.filters, sort: 'relevance', limit: c.top });
      ran++;
      const titles = page.items.map((m) => m.title);
      const missing = c.expect.filter((t) => !titles.includes(t));
      if (missing.length > 0)
        misses.push(`${c.q} -> top ${c.top} lacks ${missing.join(', ')} (got ${titles.join(' | ')})`);
      expect(missing).toEqual([]);
    },
  );
}

describe('relevance on the seeded catalog: embedded store', () => {
  relevanceSuite(async () => createEmbeddedReadStore({ alias: 'relevance' }));
});

describe.skipIf(unavailable('Elasticsearch', elasticsearchUnavailableReason()))(
  'relevance on the seeded catalog: elasticsearch',
  () => {
    const prefix = uniqueIndexPrefix('relevance');
    let server: ElasticsearchServer | undefined;
    let store: ReadStore | undefined;

    beforeAll(async () => {
      server = await startElasticsearch();
    }, 180_000);

    afterAll(async () => {
      await store?.close();
      if (server && !server.private) await deleteIndicesWithPrefix(server.url, prefix);
      await server?.stop();
    }, 60_000);

    relevanceSuite(async () => {
      if (!server) throw new Error('Elasticsearch did not start');
      store = createElasticsearchReadStore({ node: server.url, alias: `${prefix}-catalog`, requestTimeoutMs: 60_000 });
      return store;
    });
  },
);

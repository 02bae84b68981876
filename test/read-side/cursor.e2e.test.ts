/**
 * One cursor format for search and history, bound to the whole query as the server understood it:
 * `?cursor=X` alone continues the same query; a parameter sent beside it must equal the cursor's
 * (else a 400 naming it). Through the local host with the embedded stores.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHost, type TestHost } from '../support/host';

let host: TestHost;
const MERGE = { 'content-type': 'application/merge-patch+json' };

beforeAll(async () => {
  host = await startTestHost();
  const movies = [
    { title: 'Cursor Comedy A', genres: ['Comedy'], releaseDate: '1990-01-01', imdbRating: 6 },
    { title: 'Cursor Comedy B', genres: ['Comedy'], releaseDate: '1991-01-01', imdbRating: 7 },
    { title: 'Cursor Drama C', genres: ['Drama'], releaseDate: '1992-01-01', imdbRating: 8 },
    { title: 'Cursor Comedy D', genres: ['Comedy', 'Drama'], releaseDate: '1993-01-01', imdbRating: 9 },
    { title: 'Cursor Drama E', genres: ['Drama'], releaseDate: '1994-01-01', imdbRating: 5 },
  ];
  for (const body of movies) expect((await host.api('movies', { method: 'POST', body })).status).toBe(201);
  await host.settle();
});
afterAll(async () => {
  await host?.stop();
});

const titles = (json: { items: Array<{ title: string }> }) => json.items.map((m) => m.title);

describe('search cursor', () => {
  it('sent alone, it returns the next page of the same query (filters, sort and limit included)', async () => {
    const first = await host.api('movies?genre=Comedy&sort=year&limit=2');
    expect(first.status).toBe(200);
    expect(titles(first.json)).toEqual(['Cursor Comedy A', 'Cursor Comedy B']);
    const cursor = first.json.nextCursor as string;
    const next = await host.api(`movies?cursor=${cursor}`);
    expect(next.status).toBe(200);
    expect(titles(next.json)).toEqual(['Cursor Comedy D']);
    expect(next.json.total).toBe(3);
    expect(next.json.nextCursor).toBeNull();
    // the same parameters beside it (in any order, any spelling that normalizes the same) are fine
    const same = await host.api(`movies?limit=2&sort=year&genre=Comedy&cursor=${cursor}`);
    expect(titles(same.json)).toEqual(['Cursor Comedy D']);
  });

  it("the README's flow: a sort=-rating search, then GET /movies?cursor=<nextCursor>", async () => {
    const first = await host.api('movies?sort=-rating&limit=2');
    expect(titles(first.json)).toEqual(['Cursor Comedy D', 'Cursor Drama C']);
    const next = await host.api(`movies?cursor=${first.json.nextCursor}`);
    expect(next.status).toBe(200);
    expect(titles(next.json)).toEqual(['Cursor Comedy B', 'Cursor Comedy A']);
  });

  it('a filter left out beside a cursor is kept; a different value of any parameter is a 400 naming it', async () => {
    const first = await host.api('movies?genre=Comedy&sort=year&limit=2');
    const cursor = first.json.nextCursor as string;
    // what used to leak unfiltered rows: the cursor keeps its genre filter
    const replayed = await host.api(`movies?sort=year&limit=2&cursor=${cursor}`);
    expect(replayed.status).toBe(200);
    expect(titles(replayed.json)).toEqual(['Cursor Comedy D']);

    const cases: Array<[string, string]> = [
      ['genre=Drama', 'query.genre'],
      ['sort=-year', 'query.sort'],
      ['limit=3', 'query.limit'],
      ['q=comedy', 'query.q'],
      ['yearFrom=1900', 'query.yearFrom'],
      ['mpaaRating=R', 'query.mpaaRating'],
      ['minRating=1', 'query.minRating'],
      ['director=Nobody', 'query.director'],
    ];
    for (const [param, path] of cases) {
      const res = await host.api(`movies?${param}&cursor=${cursor}`);
      expect(res.status, param).toBe(400);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(res.json.errors).toEqual([
        {
          path,
          message: 'differs from the query of the cursor (leave it out, or send the same value as the first page)',
        },
      ]);
    }
    const two = await host.api(`movies?genre=Drama&limit=5&cursor=${cursor}`);
    expect(two.json.errors.map((e: { path: string }) => e.path)).toEqual(['query.genre', 'query.limit']);
  });

  it('keeps the match mode of the first page: later pages stay any-word even once a movie has every word', async () => {
    for (const title of ['Zanzibar Tale', 'Quokka Days', 'Zanzibar Nights']) {
      expect((await host.api('movies', { method: 'POST', body: { title, genres: ['Drama'] } })).status).toBe(201);
    }
    await host.settle();
    const first = await host.api('movies?q=zanzibar%20quokka&limit=2');
    expect(first.json.match).toBe('any');
    expect(first.json.total).toBe(3);
    // Now one movie has both words: a fresh search would switch to all-words, but this one's pages must not.
    expect(
      (await host.api('movies', { method: 'POST', body: { title: 'Zanzibar Quokka Story', genres: ['Drama'] } }))
        .status,
    ).toBe(201);
    await host.settle();
    // (limit 3: another query than the first page's, so not its cached answer: searches are cached for a TTL)
    expect((await host.api('movies?q=zanzibar%20quokka&limit=3')).json).toMatchObject({ match: 'all', total: 1 });
    const next = await host.api(`movies?cursor=${first.json.nextCursor}`);
    expect(next.status).toBe(200);
    expect(next.json.match).toBe('any');
    expect(next.json.total).toBe(4);
  });

  it('rejects a history cursor, garbage, and a cursor whose query was tampered with', async () => {
    const history = await host.api(`movies/${await firstId()}/history?limit=1`);
    const historyCursor = history.json.nextCursor as string;
    expect(historyCursor).toEqual(expect.any(String));
    const notSearch = await host.api(`movies?cursor=${historyCursor}`);
    expect(notSearch.status).toBe(400);
    expect(notSearch.json.errors).toEqual([{ path: 'query.cursor', message: 'is not a cursor from this endpoint' }]);

    const first = await host.api('movies?genre=Comedy&sort=year&limit=2');
    const decoded = JSON.parse(Buffer.from(first.json.nextCursor as string, 'base64url').toString('utf8')) as [
      string,
      string,
      Record<string, unknown>,
      unknown,
    ];
    const forged = (query: Record<string, unknown>) =>
      Buffer.from(JSON.stringify([decoded[0], decoded[1], query, decoded[3]])).toString('base64url');
    for (const query of [
      { ...decoded[2], limit: 1000 },
      { ...decoded[2], sort: 'sideways' },
      { ...decoded[2], extra: 1 },
      { ...decoded[2], genres: ['\u0000'] },
    ]) {
      const res = await host.api(`movies?cursor=${forged(query)}`);
      expect(res.status, JSON.stringify(query)).toBe(400);
      expect(res.json.errors).toEqual([{ path: 'query.cursor', message: 'is not a cursor from this endpoint' }]);
    }
    expect((await host.api('movies?cursor=%%%')).status).toBe(400);
  });
});

async function firstId(): Promise<string> {
  const res = await host.api('movies?sort=year&limit=1');
  const id = res.json.items[0].id as string;
  await host.api(`movies/${id}`, {
    method: 'PATCH',
    rawBody: '{"runtimeMinutes":100}',
    headers: { ...MERGE, 'If-Match': '"1"' },
  });
  return id;
}

describe('history cursor (the same format and rules)', () => {
  it('sent alone, it continues with the same page size; another limit or another movie is a 400 naming it', async () => {
    const created = await host.api('movies', { method: 'POST', body: { title: 'History cursor' } });
    const id = created.json.id as string;
    for (let v = 1; v <= 4; v++) {
      await host.api(`movies/${id}`, {
        method: 'PATCH',
        rawBody: JSON.stringify({ runtimeMinutes: 90 + v }),
        headers: { ...MERGE, 'If-Match': `"${v}"` },
      });
    }
    const first = await host.api(`movies/${id}/history?limit=2`);
    expect(first.json.items.map((i: { version: number }) => i.version)).toEqual([5, 4]);
    const second = await host.api(`movies/${id}/history?cursor=${first.json.nextCursor}`);
    expect(second.status).toBe(200);
    expect(second.json.items.map((i: { version: number }) => i.version)).toEqual([3, 2]);

    const otherLimit = await host.api(`movies/${id}/history?limit=3&cursor=${first.json.nextCursor}`);
    expect(otherLimit.status).toBe(400);
    expect(otherLimit.json.errors).toEqual([
      {
        path: 'query.limit',
        message: 'differs from the query of the cursor (leave it out, or send the same value as the first page)',
      },
    ]);

    const other = await host.api('movies', { method: 'POST', body: { title: 'Another movie' } });
    const otherMovie = await host.api(`movies/${other.json.id}/history?cursor=${first.json.nextCursor}`);
    expect(otherMovie.status).toBe(400);
    expect(otherMovie.json.errors).toEqual([
      {
        path: 'path.id',
        message: 'differs from the query of the cursor (leave it out, or send the same value as the first page)',
      },
    ]);

    const search = await host.api('movies?limit=1');
    const searchCursorHere = await host.api(`movies/${id}/history?cursor=${search.json.nextCursor}`);
    expect(searchCursorHere.status).toBe(400);
    expect(searchCursorHere.json.errors).toEqual([
      { path: 'query.cursor', message: 'is not a cursor from this endpoint' },
    ]);
  });
});

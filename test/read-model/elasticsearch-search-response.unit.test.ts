/**
 * Elasticsearch search responses read back, from written-out response bodies: the page (one hit more
 * than the limit means another page, and the cursor points at the page's last item), the score a cursor
 * keeps, the computed fields dropped, the facets (decades by first year), suggestions, and the documents
 * the store writes.
 */
import type { estypes } from '@elastic/elasticsearch';
import { describe, expect, it } from 'vitest';
import { toDocument, toEntry } from '../../shared/read-model/elasticsearch/documents';
import { searchPage, suggestionsOf, type SearchResponse } from '../../shared/read-model/elasticsearch/search-response';
import { decodeCursor, normalizeQuery } from '../../shared/read-model/search-semantics';

const at = '2024-01-01T00:00:00.000Z';

function response(
  hits: Array<Partial<estypes.SearchHit<Record<string, unknown>>>>,
  total: estypes.SearchResponse['hits']['total'],
  aggregations?: SearchResponse['aggregations'],
): SearchResponse {
  return {
    took: 1,
    timed_out: false,
    _shards: { total: 1, successful: 1, failed: 0 },
    hits: { total, hits: hits.map((h) => ({ _index: 'movies-v1-1', ...h })) },
    ...(aggregations ? { aggregations } : {}),
  };
}

const stored = (id: string, title: string, year: number) => ({
  id,
  version: 2,
  title,
  year,
  createdAt: at,
  updatedAt: at,
  deleted: false,
  titleSort: title.toLowerCase(),
  directorLower: 'someone',
});

describe('searchPage', () => {
  it('one hit more than the limit: a page of `limit` movies without computed fields, a cursor at its last', () => {
    const nq = normalizeQuery({ sort: '-year', limit: 2 });
    const res = response(
      [
        { _id: 'b', _source: stored('b', 'Blade Runner', 1982), sort: [1982, 'b'] },
        { _id: 'a', _source: stored('a', 'Alien', 1979), sort: [1979, 'a'] },
        { _id: 'c', _source: stored('c', 'Cars', 1979), sort: [1979, 'c'] },
      ],
      { value: 3, relation: 'eq' },
    );
    const page = searchPage(res, nq, 'all');
    expect(page.items).toEqual([
      { id: 'b', version: 2, title: 'Blade Runner', year: 1982, createdAt: at, updatedAt: at },
      { id: 'a', version: 2, title: 'Alien', year: 1979, createdAt: at, updatedAt: at },
    ]);
    expect(page.total).toBe(3);
    expect(page.match).toBe('all');
    expect(decodeCursor('-year', page.nextCursor!)).toEqual({ value: 1979, id: 'a' });
  });

  it('exactly `limit` hits: no cursor; a numeric total is taken as is; no aggregations: empty facets', () => {
    const nq = normalizeQuery({ sort: 'title', limit: 1 });
    const page = searchPage(response([{ _id: 'a', _source: stored('a', 'Alien', 1979) }], 1), nq, 'any');
    expect(page).toMatchObject({ nextCursor: null, total: 1, match: 'any' });
    expect(page.facets).toEqual({ genres: [], mpaaRatings: [], decades: [] });
  });

  it('relevance: the cursor keeps the first sort value (the score), else the hit _score', () => {
    const nq = normalizeQuery({ q: 'alien', sort: 'relevance', limit: 1 });
    const sorted = response(
      [
        { _id: 'a', _score: 1, _source: stored('a', 'Alien', 1979), sort: [112.5, 'a'] },
        { _id: 'b', _score: 1, _source: stored('b', 'Aliens', 1986), sort: [50, 'b'] },
      ],
      2,
    );
    expect(decodeCursor('relevance', searchPage(sorted, nq, 'all').nextCursor!)).toEqual({ value: 112.5, id: 'a' });
    const unsorted = response(
      [
        { _id: 'a', _score: 7.25, _source: stored('a', 'Alien', 1979) },
        { _id: 'b', _score: 3, _source: stored('b', 'Aliens', 1986) },
      ],
      2,
    );
    expect(decodeCursor('relevance', searchPage(unsorted, nq, 'all').nextCursor!)).toEqual({ value: 7.25, id: 'a' });
  });

  it('facets: term buckets as value and count, histogram buckets as decades', () => {
    const nq = normalizeQuery({ sort: 'title', limit: 10 });
    const terms = (buckets: Array<{ key: string; doc_count: number }>) => ({
      values: { buckets, doc_count_error_upper_bound: 0, sum_other_doc_count: 0 },
    });
    const res = response([], 0, {
      genres: terms([
        { key: 'Drama', doc_count: 4 },
        { key: 'Crime', doc_count: 2 },
      ]),
      mpaaRatings: terms([{ key: 'R', doc_count: 5 }]),
      decades: {
        values: {
          buckets: [
            { key: 1970, doc_count: 3 },
            { key: 1990, doc_count: 1 },
          ],
        },
      },
    });
    expect(searchPage(res, nq, 'all').facets).toEqual({
      genres: [
        { value: 'Drama', count: 4 },
        { value: 'Crime', count: 2 },
      ],
      mpaaRatings: [{ value: 'R', count: 5 }],
      decades: [
        { value: 1970, count: 3 },
        { value: 1990, count: 1 },
      ],
    });
  });
});

describe('suggestionsOf', () => {
  it('id, title and the year only where it is a number', () => {
    const res = response(
      [
        { _id: 'a', _source: { id: 'a', title: 'Alien', year: 1979 } },
        { _id: 'b', _source: { id: 'b', title: 'Aliens' } },
      ],
      undefined,
    );
    expect(suggestionsOf(res)).toEqual([
      { id: 'a', title: 'Alien', year: 1979 },
      { id: 'b', title: 'Aliens' },
    ]);
  });
});

describe('documents', () => {
  it('a movie gains its lower-cased sort and director keys; a movie without a director has no key', () => {
    const movie = {
      id: 'g',
      version: 3,
      title: 'The Godfather',
      director: ' Francis Ford Coppola ',
      createdAt: at,
      updatedAt: at,
    };
    expect(toDocument({ kind: 'movie', movie })).toEqual({
      ...movie,
      deleted: false,
      titleSort: 'the godfather',
      directorLower: 'francis ford coppola',
    });
    const { director: _, ...noDirector } = movie;
    expect(toDocument({ kind: 'movie', movie: noDirector })).toEqual({
      ...noDirector,
      deleted: false,
      titleSort: 'the godfather',
    });
  });

  it('a tombstone is id, version, deleted and deletedAt, and reads back as one', () => {
    const entry = { kind: 'tombstone', id: 'g', version: 4, deletedAt: at } as const;
    expect(toDocument(entry)).toEqual({ id: 'g', version: 4, deleted: true, deletedAt: at });
    expect(toEntry({ id: 'g', version: 4, deleted: true, deletedAt: at })).toEqual(entry);
  });
});

/**
 * The Elasticsearch search request for a normalized query, written out: which clauses a word gets by its
 * length and place, where each filter goes (query, post_filter, the facets it narrows), the sort with its
 * tie-breaker, search_after for a cursor on a missing value, and the suggest request. The contract suite
 * checks what a real server answers; this pins the request that produces it.
 */
import { describe, expect, it } from 'vitest';
import { searchRequest, suggestRequest, wordClause } from '../../shared/read-model/elasticsearch/search-request';
import { encodeCursor, normalizeQuery } from '../../shared/read-model/search-semantics';

const NOT_DELETED = [{ term: { deleted: true } }];

describe('wordClause', () => {
  it('a word under 3 letters, not last: the exact bonus and an exact match per field, no typo, no prefix', () => {
    expect(wordClause('up', false, ['title', 'director'])).toEqual({
      bool: {
        should: [
          {
            constant_score: {
              filter: { multi_match: { query: 'up', fields: ['title', 'director'], operator: 'and' } },
              boost: 100,
            },
          },
          { match: { title: { query: 'up', operator: 'and', boost: 3 } } },
          { match: { director: { query: 'up', operator: 'and', boost: 2 } } },
        ],
        minimum_should_match: 1,
      },
    });
  });

  it('a 4-letter last word: one edit of typo tolerance, and a scored prefix', () => {
    expect(wordClause('jaws', true, ['title'])).toEqual({
      bool: {
        should: [
          {
            constant_score: {
              filter: { multi_match: { query: 'jaws', fields: ['title'], operator: 'and' } },
              boost: 100,
            },
          },
          { match: { title: { query: 'jaws', operator: 'and', boost: 3 } } },
          {
            match: {
              title: {
                query: 'jaws',
                operator: 'and',
                fuzziness: 1,
                fuzzy_transpositions: false,
                max_expansions: 1000,
                prefix_length: 0,
                boost: expect.closeTo(0.9, 12), // 3 * 0.3 in floating point
              },
            },
          },
          { prefix: { title: { value: 'jaws', boost: 1.5, rewrite: 'scoring_boolean' } } },
        ],
        minimum_should_match: 1,
      },
    });
  });

  it('a 6-letter word has two edits; a 2-letter last word a constant-score prefix (no rewrite)', () => {
    const long = wordClause('matrix', false, ['description']);
    expect(long.bool?.should).toContainEqual({
      match: {
        description: {
          query: 'matrix',
          operator: 'and',
          fuzziness: 2,
          fuzzy_transpositions: false,
          max_expansions: 1000,
          prefix_length: 0,
          boost: 0.3,
        },
      },
    });
    expect(wordClause('te', true, ['title']).bool?.should).toContainEqual({
      prefix: { title: { value: 'te', boost: 1.5 } },
    });
  });
});

describe('searchRequest', () => {
  it('a list without text: no text clause, every facet filter in post_filter and in the other facets only', () => {
    const nq = normalizeQuery({
      sort: '-year',
      limit: 20,
      genres: ['Drama', 'Crime'],
      mpaaRating: 'R',
      yearFrom: 1970,
      yearTo: 1979,
      director: 'Francis Coppola',
      minRating: 8,
    });
    const genres = {
      bool: {
        should: [
          { term: { genres: { value: 'drama', case_insensitive: true } } },
          { term: { genres: { value: 'crime', case_insensitive: true } } },
        ],
        minimum_should_match: 1,
      },
    };
    const rating = { term: { mpaaRating: { value: 'r', case_insensitive: true } } };
    const years = { range: { year: { gte: 1970, lte: 1979 } } };
    const order = [{ _count: 'desc' }, { _key: 'asc' }];
    expect(searchRequest('movies', nq, 'all')).toEqual({
      index: 'movies',
      size: 21,
      track_total_hits: true,
      query: {
        bool: {
          must: [],
          filter: [
            { match: { director: { query: 'francis coppola', operator: 'and' } } },
            { range: { imdbRating: { gte: 8 } } },
          ],
          must_not: NOT_DELETED,
        },
      },
      post_filter: { bool: { filter: [genres, rating, years] } },
      sort: [{ year: { order: 'desc', missing: '_last' } }, { id: { order: 'asc' } }],
      aggs: {
        genres: {
          filter: { bool: { filter: [rating, years] } },
          aggs: { values: { terms: { field: 'genres', size: 50, order } } },
        },
        mpaaRatings: {
          filter: { bool: { filter: [genres, years] } },
          aggs: { values: { terms: { field: 'mpaaRating', size: 50, order } } },
        },
        decades: {
          filter: { bool: { filter: [genres, rating] } },
          aggs: { values: { histogram: { field: 'year', interval: 10, min_doc_count: 1 } } },
        },
      },
    });
  });

  it('no facet filter: no post_filter; a director of no words matches nothing; only yearTo is an lte', () => {
    const request = searchRequest('m', normalizeQuery({ sort: 'title', limit: 5, director: '  ,  ' }), 'all');
    expect(request).not.toHaveProperty('post_filter');
    expect(request.query?.bool?.filter).toEqual([{ match_none: {} }]);
    expect(request.sort).toEqual([{ titleSort: { order: 'asc', missing: '_last' } }, { id: { order: 'asc' } }]);
    const upTo = searchRequest('m', normalizeQuery({ sort: 'rating', limit: 5, yearTo: 1999 }), 'all');
    expect(upTo.post_filter).toEqual({ bool: { filter: [{ range: { year: { lte: 1999 } } }] } });
  });

  it('text: every word must match (all) or one of them (any), the last word as a prefix; relevance sort', () => {
    const nq = normalizeQuery({ q: 'the godfather part', sort: 'relevance', limit: 10 });
    const clause = (term: string, isLast: boolean) => wordClause(term, isLast, ['title', 'director', 'description']);
    const all = searchRequest('movies', nq, 'all');
    expect(all.query?.bool?.must).toEqual([{ bool: { must: [clause('godfather', false), clause('part', true)] } }]);
    expect(all.sort).toEqual([{ _score: { order: 'desc' } }, { id: { order: 'asc' } }]);
    const any = searchRequest('movies', nq, 'any');
    expect(any.query?.bool?.must).toEqual([
      { bool: { should: [clause('godfather', false), clause('part', true)], minimum_should_match: 1 } },
    ]);
  });

  it('a cursor on a movie without the sort value resumes after the sentinel Elasticsearch sorted it by', () => {
    const after = (sort: '-year' | 'year' | 'rating' | '-rating') =>
      searchRequest(
        'm',
        normalizeQuery({ sort, limit: 5, cursor: encodeCursor(sort, { value: null, id: 'x1' }) }),
        'all',
      ).search_after;
    expect(after('year')).toEqual([2147483647, 'x1']);
    expect(after('-year')).toEqual([-2147483648, 'x1']);
    expect(after('rating')).toEqual(['Infinity', 'x1']);
    expect(after('-rating')).toEqual(['-Infinity', 'x1']);
    const titled = normalizeQuery({
      sort: 'title',
      limit: 5,
      cursor: encodeCursor('title', { value: 'alien', id: 'a' }),
    });
    expect(searchRequest('m', titled, 'all').search_after).toEqual(['alien', 'a']);
  });
});

describe('suggestRequest', () => {
  it('every word in the title, the last as a prefix; id, title and year only; score, then title, then id', () => {
    expect(suggestRequest('movies', ['star', 'wa'], 7)).toEqual({
      index: 'movies',
      size: 7,
      track_total_hits: false,
      _source: ['id', 'title', 'year'],
      query: {
        bool: {
          must: [{ bool: { must: [wordClause('star', false, ['title']), wordClause('wa', true, ['title'])] } }],
          must_not: NOT_DELETED,
        },
      },
      sort: [{ _score: { order: 'desc' } }, { titleSort: { order: 'asc' } }, { id: { order: 'asc' } }],
    });
  });

  it('no words: a query matching nothing', () => {
    expect(suggestRequest('movies', [], 3).query).toEqual({
      bool: { must: [{ match_none: {} }], must_not: NOT_DELETED },
    });
  });
});

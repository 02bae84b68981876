/**
 * The embedded store's MiniSearch options, written out: the same rules as the Elasticsearch word clauses
 * (typo tolerance by word length, the last word as a prefix, field boosts, fuzzy and prefix weights), and
 * the exact-word bonus on top of MiniSearch's score.
 */
import type { SearchResult } from 'minisearch';
import { describe, expect, it } from 'vitest';
import { scoreOf, textSearchOptions } from '../../shared/read-model/embedded/text-search';

describe('textSearchOptions', () => {
  it('all: AND over the fields with their boosts; fuzzy and prefix weigh 0.3 and 0.5', () => {
    const options = textSearchOptions('all', ['title', 'director', 'description']);
    expect(options).toMatchObject({
      fields: ['title', 'director', 'description'],
      boost: { title: 3, director: 2, description: 1 },
      combineWith: 'AND',
      weights: { fuzzy: 0.3, prefix: 0.5 },
    });
    expect(textSearchOptions('any', ['title'])).toMatchObject({ combineWith: 'OR', boost: { title: 3 } });
  });

  it('no typo under 3 letters, one up to 5, two from 6; only the last word is a prefix', () => {
    const { fuzzy, prefix } = textSearchOptions('all', ['title']) as {
      fuzzy: (term: string) => number | false;
      prefix: (term: string, index: number, terms: string[]) => boolean;
    };
    expect(['up', 'jaw', 'alien', 'matrix', 'terminator'].map((t) => fuzzy(t))).toEqual([false, 1, 1, 2, 2]);
    expect([0, 1, 2].map((i) => prefix('x', i, ['star', 'wars', 'ep']))).toEqual([false, false, true]);
  });
});

describe('scoreOf', () => {
  it('adds 100 per query word the hit has exactly (not a typo or prefix of it)', () => {
    const hit = { id: 'a', score: 2.5, terms: ['star', 'warsaw'], queryTerms: [], match: {} } as SearchResult;
    expect(scoreOf(hit, ['star', 'wars'])).toBe(102.5);
    expect(scoreOf(hit, ['star', 'warsaw'])).toBe(202.5);
  });
});

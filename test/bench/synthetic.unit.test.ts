import { describe, expect, it } from 'vitest';
import { syntheticMovies } from '../../bench/synthetic';
import { GENRES, MovieFieldsSchema, MPAA_RATINGS } from '../../shared/domain/movie';

const take = (count: number, seed: number) => [...syntheticMovies(count, seed)];

describe('synthetic catalog', () => {
  it('is deterministic for a seed and different for another seed', () => {
    expect(take(50, 7)).toEqual(take(50, 7));
    expect(take(50, 8).map((m) => m.id)).not.toEqual(take(50, 7).map((m) => m.id));
  });

  it('gives count movies with distinct UUID-shaped ids', () => {
    const movies = take(2000, 1);
    expect(movies).toHaveLength(2000);
    expect(new Set(movies.map((m) => m.id)).size).toBe(2000);
    for (const m of movies) expect(m.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('each history is versions 1..n, created first, valid fields from the domain vocabulary, deleted at most last', () => {
    for (const movie of take(2000, 2)) {
      expect(movie.events.map((e) => e.metadata.version)).toEqual(movie.events.map((_, i) => i + 1));
      expect(movie.events[0]?.type).toBe('MovieCreated');
      movie.events.forEach((e, i) => {
        expect(e.metadata.movieId).toBe(movie.id);
        expect(e.state.version).toBe(i + 1);
        if (e.type === 'MovieDeleted') expect(i).toBe(movie.events.length - 1);
        const { id: _id, version: _v, createdAt: _c, updatedAt: _u, ...fields } = e.state;
        expect(MovieFieldsSchema.safeParse(fields).success).toBe(true);
        for (const g of e.state.genres ?? []) expect(GENRES).toContain(g);
        if (e.state.mpaaRating) expect(MPAA_RATINGS).toContain(e.state.mpaaRating);
      });
    }
  });

  it('has several versions per movie on average and a few deleted movies', () => {
    const movies = take(5000, 3);
    const events = movies.reduce((n, m) => n + m.events.length, 0);
    const deleted = movies.filter((m) => m.events.at(-1)?.type === 'MovieDeleted').length;
    expect(events / movies.length).toBeGreaterThan(2.5);
    expect(events / movies.length).toBeLessThan(3.5);
    expect(deleted / movies.length).toBeGreaterThan(0.03);
    expect(deleted / movies.length).toBeLessThan(0.07);
  });
});

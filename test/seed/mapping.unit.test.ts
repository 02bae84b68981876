/**
 * The seed mapping on real records of vega-datasets movies.json: what each field becomes, which records
 * are skipped and why, and that the same record always gives the same body and Idempotency-Key.
 */
import { describe, expect, it } from 'vitest';
import { MovieFieldsSchema } from '../../shared/domain/movie';
import { mapMpaaRating, mapRecord, parseReleaseDate, type VegaMovie } from '../../shared/seed/mapping';
import { loadVegaMovies } from '../../scripts/seed';

const movies = loadVegaMovies();
const byTitle = (title: string) => {
  const index = movies.findIndex((m) => String(m.Title) === title);
  if (index < 0) throw new Error(`no record titled ${title}`);
  return { raw: movies[index]!, index };
};

describe('seed mapping on the real table', () => {
  it('holds 3,201 records', () => {
    expect(movies).toHaveLength(3201);
  });

  it('maps a full record to every field we have', () => {
    const { raw, index } = byTitle('Inception');
    const mapped = mapRecord(raw, index);
    expect(mapped).toEqual({
      ok: true,
      index,
      key: expect.stringMatching(/^seed-v1-[A-Za-z0-9_-]{32}$/),
      fields: {
        title: 'Inception',
        description: 'Science Fiction. Source: Original Screenplay.',
        releaseDate: '2010-07-16',
        genres: ['Thriller/Suspense'],
        director: 'Christopher Nolan',
        mpaaRating: 'PG-13',
        runtimeMinutes: 147,
        imdbRating: 9.1,
        imdbVotes: 188247,
        usGross: 285630280,
        worldwideGross: 753830280,
        productionBudget: 160000000,
        distributor: 'Warner Bros.',
      },
    });
  });

  it('leaves out what is null, and what has no field here (DVD sales, Rotten Tomatoes)', () => {
    const mapped = mapRecord(movies[0]!, 0);
    expect(mapped.ok && mapped.fields).toEqual({
      title: 'The Land Girls',
      releaseDate: '1998-06-12',
      mpaaRating: 'R',
      imdbRating: 6.1,
      imdbVotes: 1071,
      usGross: 146083,
      worldwideGross: 146083,
      productionBudget: 8000000,
      distributor: 'Gramercy',
    });
  });

  it('stringifies numeric titles', () => {
    const { raw, index } = byTitle('1776');
    expect(raw.Title).toBe(1776);
    const mapped = mapRecord(raw, index);
    expect(mapped.ok && mapped.fields.title).toBe('1776');
    expect(mapped.ok && mapped.fields.releaseDate).toBe('1972-11-09');
  });

  it('puts two-digit-year dates back in their century', () => {
    const duel = byTitle('Duel in the Sun');
    expect(duel.raw['Release Date']).toBe('Dec 31 2046');
    const mapped = mapRecord(duel.raw, duel.index);
    expect(mapped.ok && mapped.fields.releaseDate).toBe('1946-12-31');
    const oz = mapRecord(byTitle('The Wizard of Oz').raw, 0);
    expect(oz.ok && oz.fields.releaseDate).toBe('1939-08-25');
  });

  it('leaves out "Open" (no rating assigned yet) but keeps "Not Rated"', () => {
    const lie = byTitle('L.I.E.');
    expect(lie.raw['MPAA Rating']).toBe('Open');
    const mapped = mapRecord(lie.raw, lie.index);
    expect(mapped.ok).toBe(true);
    expect(mapped.ok && 'mpaaRating' in mapped.fields).toBe(false);
    const veer = mapRecord(byTitle('Veer-Zaara').raw, 0);
    expect(veer.ok && veer.fields.mpaaRating).toBe('Not Rated');
  });

  it('skips the one record without a title and maps every other one to a valid body', () => {
    const all = movies.map((m, i) => mapRecord(m, i));
    const skipped = all.filter((r) => !r.ok);
    expect(skipped).toEqual([{ ok: false, index: 3053, reason: 'no title' }]);
    for (const r of all) if (r.ok) expect(MovieFieldsSchema.safeParse(r.fields).success, `#${r.index}`).toBe(true);
    const years = all.flatMap((r) => (r.ok && r.fields.releaseDate ? [Number(r.fields.releaseDate.slice(0, 4))] : []));
    expect(Math.min(...years)).toBeGreaterThanOrEqual(1915);
    expect(Math.max(...years)).toBeLessThanOrEqual(2011);
  });

  it('gives every record its own key, the same on every run', () => {
    const keys = movies.map((m, i) => mapRecord(m, i)).flatMap((r) => (r.ok ? [r.key] : []));
    expect(new Set(keys).size).toBe(3200);
    expect(movies.map((m, i) => mapRecord(m, i))).toEqual(movies.map((m, i) => mapRecord(structuredClone(m), i)));
    const { raw } = byTitle('Inception');
    expect(mapRecord(raw, 1)).not.toEqual(mapRecord(raw, 2));
  });

  it('skips a record our validation rejects, naming the field', () => {
    const { raw, index } = byTitle('Inception');
    const broken: VegaMovie = { ...raw, 'Running Time min': 0 };
    expect(mapRecord(broken, index)).toEqual({ ok: false, index, reason: 'invalid runtimeMinutes' });
    expect(mapRecord({ ...raw, 'Release Date': 'Feb 30 2001' }, index)).toEqual({
      ok: false,
      index,
      reason: 'invalid releaseDate',
    });
    expect(mapRecord({ ...raw, Title: '   ' }, index)).toEqual({ ok: false, index, reason: 'no title' });
  });
});

describe('parseReleaseDate', () => {
  it.each([
    ['Jun 12 1998', '1998-06-12'],
    ['June 12, 1998', '1998-06-12'],
    ['Sept 9 2009', '2009-09-09'],
    ['12 Jun 1998', '1998-06-12'],
    ['12-Jun-98', '1998-06-12'],
    ['05-Mar-09', '2009-03-05'],
    ['1998-06-12', '1998-06-12'],
    ['1998-6-2', '1998-06-02'],
    ['1998-06-12T00:00:00.000Z', '1998-06-12'],
    ['2046-12-31', '1946-12-31'],
  ])('%s -> %s', (input, expected) => {
    expect(parseReleaseDate(input)).toBe(expected);
  });

  it.each(['Feb 30 1998', 'Foo 12 1998', '1998-13-01', 'TBD', '', '12/06/1998'])('%j is not a date', (input) => {
    expect(parseReleaseDate(input)).toBeNull();
  });

  it('normalises rating spellings', () => {
    expect(mapMpaaRating('pg-13')).toBe('PG-13');
    expect(mapMpaaRating('Unrated')).toBe('Not Rated');
    expect(mapMpaaRating('Open')).toBeUndefined();
    expect(mapMpaaRating(null)).toBeUndefined();
  });
});

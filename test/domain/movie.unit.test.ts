import { describe, expect, it } from 'vitest';
import { MovieFieldsSchema, toRepresentation } from '../../shared/domain/movie';
import { MoviePatchSchema } from '../../shared/domain/decider';

describe('movie fields', () => {
  it('accepts a full valid movie and trims the title', () => {
    const parsed = MovieFieldsSchema.parse({
      title: '  Alien ',
      description: 'In space no one can hear you scream.',
      releaseDate: '1979-05-25',
      genres: ['Horror', 'Sci-Fi'],
      director: 'Ridley Scott',
      mpaaRating: 'R',
      runtimeMinutes: 117,
      imdbRating: 8.5,
      imdbVotes: 900000,
      usGross: 80931801,
      worldwideGross: 104931801,
      productionBudget: 11000000,
      distributor: '20th Century Fox',
    });
    expect(parsed.title).toBe('Alien');
  });

  it.each([
    [{ title: '' }, 'title'],
    [{ title: 'x'.repeat(301) }, 'title'],
    [{ title: 'A', releaseDate: '1979-02-30' }, 'releaseDate'],
    [{ title: 'A', releaseDate: '25/05/1979' }, 'releaseDate'],
    [{ title: 'A', genres: ['x', 'x'] }, 'genres'],
    [{ title: 'A', genres: Array.from({ length: 11 }, (_, i) => `g${i}`) }, 'genres'],
    [{ title: 'A', mpaaRating: 'X' }, 'mpaaRating'],
    [{ title: 'A', runtimeMinutes: 0 }, 'runtimeMinutes'],
    [{ title: 'A', runtimeMinutes: 90.5 }, 'runtimeMinutes'],
    [{ title: 'A', imdbRating: 10.1 }, 'imdbRating'],
    [{ title: 'A', usGross: -1 }, 'usGross'],
    [{ title: 'A', extra: 1 }, ''],
    [{ title: 'A', ['__proto__']: { polluted: true } }, ''],
    [{ title: '\u200b\u200b' }, 'title'],
    [{ title: 'Broken \ud800 text' }, 'title'],
    [{ title: 'A', director: '\udc00' }, 'director'],
  ])('rejects %j', (input, field) => {
    const result = MovieFieldsSchema.safeParse(JSON.parse(JSON.stringify(input)));
    expect(result.success).toBe(false);
    if (field) expect(result.error!.issues.some((i) => i.path[0] === field)).toBe(true);
  });

  it('keeps well-formed odd Unicode (RTL marks, emoji, zero-width joiners inside text)', () => {
    const title = 'שלום \u200fworld 🎬👩\u200d🚀';
    expect(MovieFieldsSchema.parse({ title }).title).toBe(title);
  });

  it('patch schema: optional fields nullable, title not', () => {
    expect(MoviePatchSchema.safeParse({ director: null }).success).toBe(true);
    expect(MoviePatchSchema.safeParse({ title: null }).success).toBe(false);
    expect(MoviePatchSchema.safeParse({ nope: 1 }).success).toBe(false);
  });

  it('the representation derives the year', () => {
    expect(toRepresentation({ id: 'a', version: 1, title: 'T', releaseDate: '1999-03-31', createdAt: 'c', updatedAt: 'u' })).toEqual({
      id: 'a', version: 1, title: 'T', releaseDate: '1999-03-31', year: 1999, createdAt: 'c', updatedAt: 'u',
    });
  });
});

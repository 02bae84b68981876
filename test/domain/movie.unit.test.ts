import { describe, expect, it } from 'vitest';
import { z } from 'zod';
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
    [{ title: 'A', releaseDate: '0000-01-01' }, 'releaseDate'],
    [{ title: 'A', releaseDate: '1900-02-29' }, 'releaseDate'],
    [{ title: 'A', releaseDate: '2023-04-31' }, 'releaseDate'],
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

  it('the releaseDate pattern alone (as the OpenAPI document publishes it) says which dates are real', () => {
    type Fields = { properties: { releaseDate: { pattern: string } } };
    const json = z.toJSONSchema(MovieFieldsSchema, {
      target: 'draft-2020-12',
      io: 'input',
      unrepresentable: 'any',
    }) as unknown as Fields & {
      $defs?: Record<string, Fields>;
    };
    const pattern = new RegExp((json.$defs?.MovieFields ?? json).properties.releaseDate.pattern);
    const accepted = ['0001-01-01', '1979-05-25', '2000-02-29', '2024-02-29', '0400-02-29', '9999-12-31', '2023-04-30'];
    const rejected = [
      '0000-01-01',
      '0000-02-29',
      '1900-02-29',
      '2023-02-29',
      '2023-04-31',
      '2023-13-01',
      '2023-00-10',
      '2023-01-00',
    ];
    expect(accepted.filter((d) => pattern.test(d))).toEqual(accepted);
    expect(rejected.filter((d) => pattern.test(d))).toEqual([]);
    expect(accepted.filter((d) => MovieFieldsSchema.safeParse({ title: 'A', releaseDate: d }).success)).toEqual(
      accepted,
    );
  });

  it('text lengths are counted in code points after trimming: exactly the maximum is accepted, one more is not', () => {
    const astral = '\u{1D54B}'; // 𝕋: one code point, two UTF-16 units
    expect(MovieFieldsSchema.parse({ title: astral.repeat(300) }).title).toBe(astral.repeat(300));
    expect(MovieFieldsSchema.parse({ title: ` ${'x'.repeat(300)} ` }).title).toBe('x'.repeat(300));
    expect(
      MovieFieldsSchema.safeParse({ title: 'x'.repeat(301) }).error?.issues.map((i) => [i.path.join('.'), i.message]),
    ).toEqual([['title', 'must be at most 300 characters']]);
    expect(MovieFieldsSchema.parse({ title: 'A', director: 'd'.repeat(200) }).director).toBe('d'.repeat(200));
    expect(
      MovieFieldsSchema.safeParse({ title: 'A', director: 'd'.repeat(201) }).error?.issues.map((i) => [
        i.path.join('.'),
        i.message,
      ]),
    ).toEqual([['director', 'must be at most 200 characters']]);
  });

  it('vocabularies match any case and surrounding blanks, and store the vocabulary’s spelling', () => {
    expect(MovieFieldsSchema.parse({ title: 'A', genres: [' HORROR', 'sci-fi '], mpaaRating: 'pg-13' })).toEqual({
      title: 'A',
      genres: ['Horror', 'Sci-Fi'],
      mpaaRating: 'PG-13',
    });
  });

  it('genres must be distinct after that matching: Horror and horror are the same genre', () => {
    expect(
      MovieFieldsSchema.safeParse({ title: 'A', genres: ['Horror', 'horror'] }).error?.issues.map((i) => [
        i.path.join('.'),
        i.message,
      ]),
    ).toEqual([['genres', 'genres must be distinct']]);
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

  it('the representation has no year when there is no release date', () => {
    expect(toRepresentation({ id: 'a', version: 1, title: 'T', createdAt: 'c', updatedAt: 'u' })).toStrictEqual({
      id: 'a',
      version: 1,
      title: 'T',
      createdAt: 'c',
      updatedAt: 'u',
    });
  });

  it('the representation derives the year', () => {
    expect(
      toRepresentation({ id: 'a', version: 1, title: 'T', releaseDate: '1999-03-31', createdAt: 'c', updatedAt: 'u' }),
    ).toEqual({
      id: 'a',
      version: 1,
      title: 'T',
      releaseDate: '1999-03-31',
      year: 1999,
      createdAt: 'c',
      updatedAt: 'u',
    });
  });
});

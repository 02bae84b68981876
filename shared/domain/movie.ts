/**
 * The movie: its fields, their validation, and the representation returned everywhere.
 * Pure: no I/O, no clock, no vendor imports.
 */
import { z } from 'zod';
import { text } from './text';

export const MPAA_RATINGS = ['G', 'PG', 'PG-13', 'R', 'NC-17', 'Not Rated'] as const;
export type MpaaRating = (typeof MPAA_RATINGS)[number];

/**
 * The genre vocabulary: the seeded catalog's major genres plus the usual film genres. Writes and search
 * filters accept any case and store / compare the spelling given here.
 */
export const GENRES = [
  'Action',
  'Adventure',
  'Animation',
  'Biography',
  'Black Comedy',
  'Comedy',
  'Concert/Performance',
  'Crime',
  'Documentary',
  'Drama',
  'Family',
  'Fantasy',
  'Film-Noir',
  'History',
  'Horror',
  'Music',
  'Musical',
  'Mystery',
  'Romance',
  'Romantic Comedy',
  'Sci-Fi',
  'Sport',
  'Thriller',
  'Thriller/Suspense',
  'War',
  'Western',
] as const;
export type Genre = (typeof GENRES)[number];

/**
 * A value of a closed vocabulary, matched case-insensitively and returned in the vocabulary's spelling;
 * anything else fails with the allowed values listed. Documented as an `enum` in JSON Schema.
 */
export function vocabulary<const T extends readonly [string, ...string[]]>(values: T) {
  const byLowerCase = new Map(values.map((v) => [v.toLowerCase(), v]));
  return z
    .string()
    .transform((s) => byLowerCase.get(s.trim().toLowerCase()) ?? s)
    .pipe(z.enum(values, { error: () => `must be one of (any case): ${values.join(', ')}` }))
    .meta({ enum: [...values] });
}

export const MOVIE_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
export const MovieIdSchema = z.string().regex(MOVIE_ID_PATTERN, 'must match [A-Za-z0-9_-]{1,64}');

/**
 * A calendar date YYYY-MM-DD, the whole rule in the pattern (so the OpenAPI document says it exactly):
 * years 0001-9999 (there is no year 0, and `format: date` validators reject it), days 01-31 in 31-day months,
 * 01-30 in 30-day months, 01-28 in February and the 29th in leap years (divisible by 4 and not by 100, or by 400).
 */
const ISO_DATE_PATTERN = new RegExp(
  '^(?:(?:[1-9][0-9]{3}|0[1-9][0-9]{2}|00[1-9][0-9]|000[1-9])-' +
    '(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)|02-(?:0[1-9]|1[0-9]|2[0-8]))' +
    '|(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:0[48]|[2468][048]|[13579][26])00)-02-29)$',
);

const isoDate = z
  .string()
  .regex(ISO_DATE_PATTERN, 'must be a real calendar date YYYY-MM-DD')
  .refine((s) => {
    const d = new Date(`${s}T00:00:00Z`);
    return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
  }, 'must be a real calendar date')
  .meta({ format: 'date' });

const nonNegInt = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

/** Every field a client may write. All optional except title; unknown fields are rejected. */
export const MovieFieldsSchema = z
  .strictObject({
    title: text(300, { required: true }),
    description: text(5000, { multiline: true }).optional(),
    releaseDate: isoDate.optional(),
    genres: z
      .array(vocabulary(GENRES))
      .max(10)
      .refine((g) => new Set(g).size === g.length, 'genres must be distinct')
      .meta({ uniqueItems: true })
      .optional(),
    director: text(200, { required: true }).optional(),
    mpaaRating: vocabulary(MPAA_RATINGS).optional(),
    runtimeMinutes: z.number().int().min(1).max(1000).optional(),
    imdbRating: z.number().min(0).max(10).optional(),
    imdbVotes: nonNegInt.optional(),
    usGross: nonNegInt.optional(),
    worldwideGross: nonNegInt.optional(),
    productionBudget: nonNegInt.optional(),
    distributor: text(200, { required: true }).optional(),
  })
  .meta({ id: 'MovieFields' });

export type MovieFields = z.infer<typeof MovieFieldsSchema>;
export const OPTIONAL_FIELDS = Object.keys(MovieFieldsSchema.shape).filter((k) => k !== 'title') as Array<
  Exclude<keyof MovieFields, 'title'>
>;

/** The current state of a movie as the write model knows it. */
export interface MovieState extends MovieFields {
  readonly id: string;
  readonly version: number;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** The representation returned by every endpoint: state plus the derived `year`. */
export const MovieSchema = MovieFieldsSchema.extend({
  id: z.string(),
  version: z.number().int().min(1),
  year: z.number().int().optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
}).meta({ id: 'Movie' });
export type Movie = z.infer<typeof MovieSchema>;

export function yearOf(releaseDate: string | undefined): number | undefined {
  return releaseDate ? Number(releaseDate.slice(0, 4)) : undefined;
}

/** State -> representation (adds the derived year, fixes the key order). */
export function toRepresentation(state: MovieState): Movie {
  const { id, version, createdAt, updatedAt, ...fields } = state;
  const year = yearOf(fields.releaseDate);
  return { id, version, ...fields, ...(year !== undefined ? { year } : {}), createdAt, updatedAt };
}

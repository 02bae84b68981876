/**
 * The seed mapping: one record of the vega-datasets movies table -> the body of POST /api/movies.
 * Pure (no I/O, no clock): the same record always maps to the same body and Idempotency-Key, so a re-run
 * of the seed replays instead of writing.
 */
import { createHash } from 'node:crypto';
import { MPAA_RATINGS, MovieFieldsSchema, type MovieFields, type MpaaRating } from '../domain/movie';

/** A record of vega-datasets `data/movies.json`, as found (every field may be null or missing). */
export interface VegaMovie {
  readonly Title?: string | number | null;
  readonly 'US Gross'?: number | null;
  readonly 'Worldwide Gross'?: number | null;
  readonly 'US DVD Sales'?: number | null;
  readonly 'Production Budget'?: number | null;
  readonly 'Release Date'?: string | null;
  readonly 'MPAA Rating'?: string | null;
  readonly 'Running Time min'?: number | null;
  readonly Distributor?: string | null;
  readonly Source?: string | null;
  readonly 'Major Genre'?: string | null;
  readonly 'Creative Type'?: string | null;
  readonly Director?: string | null;
  readonly 'Rotten Tomatoes Rating'?: number | null;
  readonly 'IMDB Rating'?: number | null;
  readonly 'IMDB Votes'?: number | null;
}

export type SeedRecord =
  | { readonly ok: true; readonly index: number; readonly key: string; readonly fields: MovieFields }
  | { readonly ok: false; readonly index: number; readonly reason: string };

/**
 * The table was compiled in 2010 from sources that wrote two-digit years, so films of the 1910s-1940s
 * appear as 2015-2046 ("Duel in the Sun", Dec 31 2046). Its newest real releases are from 2011: a later
 * year is the previous century.
 */
export const DEFAULT_LATEST_YEAR = 2012;

const MONTH_NAMES = [
  'january',
  'february',
  'march',
  'april',
  'may',
  'june',
  'july',
  'august',
  'september',
  'october',
  'november',
  'december',
];

/** "Jun", "June", "Sept" -> 6, 6, 9; null for anything else. */
function monthNumber(name: string): number | null {
  const n = name.toLowerCase();
  const i = MONTH_NAMES.findIndex((full) => n.length >= 3 && full.startsWith(n));
  return i < 0 ? null : i + 1;
}

function isoDate(year: number, month: number, day: number): string | null {
  if (!Number.isInteger(year) || !Number.isInteger(month) || !Number.isInteger(day)) return null;
  const d = new Date(Date.UTC(year, month - 1, day));
  if (d.getUTCFullYear() !== year || d.getUTCMonth() !== month - 1 || d.getUTCDate() !== day) return null;
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

function fullYear(digits: string, latestYear: number): number {
  let year = Number(digits);
  if (digits.length === 2) year += year <= latestYear % 100 ? 2000 : 1900;
  while (year > latestYear) year -= 100;
  return year;
}

/**
 * A release date in any of the table's spellings -> YYYY-MM-DD, or null when it is not a real date.
 * Accepts "Jun 12 1998", "June 12, 1998", "12 Jun 1998", "12-Jun-98", "1998-06-12" (with or without a
 * time), and corrects the century of years after `latestYear`.
 */
export function parseReleaseDate(value: string | null | undefined, latestYear = DEFAULT_LATEST_YEAR): string | null {
  if (typeof value !== 'string') return null;
  const s = value.trim();
  let m = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ].*)?$/.exec(s);
  if (m) return isoDate(fullYear(m[1]!, latestYear), Number(m[2]), Number(m[3]));
  m = /^([A-Za-z]{3,9})\.?\s+(\d{1,2}),?\s+(\d{2}|\d{4})$/.exec(s);
  if (m) {
    const month = monthNumber(m[1]!);
    return month ? isoDate(fullYear(m[3]!, latestYear), month, Number(m[2])) : null;
  }
  m = /^(\d{1,2})[\s-]([A-Za-z]{3,9})\.?[\s-](\d{2}|\d{4})$/.exec(s);
  if (m) {
    const month = monthNumber(m[2]!);
    return month ? isoDate(fullYear(m[3]!, latestYear), month, Number(m[1])) : null;
  }
  return null;
}

const RATING_ALIASES: Record<string, MpaaRating> = {
  ...Object.fromEntries(MPAA_RATINGS.map((r) => [r.toLowerCase(), r])),
  nr: 'Not Rated',
  unrated: 'Not Rated',
  'not rated': 'Not Rated',
  pg13: 'PG-13',
  nc17: 'NC-17',
};

/**
 * An MPAA rating, or undefined. "Open" is the source's word for "no rating assigned yet", which is not a
 * rating (unlike "Not Rated", a film released unrated), so it is left out, as is anything unknown.
 */
export function mapMpaaRating(value: string | null | undefined): MpaaRating | undefined {
  if (typeof value !== 'string') return undefined;
  return RATING_ALIASES[value.trim().toLowerCase()];
}

function text(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value !== 'string') return undefined;
  const t = value.trim();
  return t === '' ? undefined : t;
}

function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** "Contemporary Fiction. Source: Original Screenplay." from Creative Type and Source (searchable text). */
export function describeRecord(raw: VegaMovie): string | undefined {
  const creative = text(raw['Creative Type']);
  const source = text(raw.Source);
  const parts = [creative ? `${creative}.` : undefined, source ? `Source: ${source}.` : undefined].filter(Boolean);
  return parts.length > 0 ? parts.join(' ') : undefined;
}

/** Same record, same key: a hash of title, release date (as written in the table) and position. */
export function seedIdempotencyKey(raw: VegaMovie, index: number): string {
  const digest = createHash('sha256')
    .update(`${text(raw.Title) ?? ''}\u0000${String(raw['Release Date'] ?? '')}\u0000${index}`)
    .digest('base64url');
  return `seed-v1-${digest.slice(0, 32)}`;
}

/**
 * Maps one record; a record without a title, or one our validation rejects, is `ok: false` with the
 * reason (`no title`, `invalid releaseDate`, ...). US DVD Sales and Rotten Tomatoes Rating have no field
 * in our model and are dropped.
 */
export function mapRecord(raw: VegaMovie, index: number, latestYear = DEFAULT_LATEST_YEAR): SeedRecord {
  const title = text(raw.Title);
  if (!title) return { ok: false, index, reason: 'no title' };
  const rawDate = text(raw['Release Date']);
  const releaseDate = rawDate === undefined ? undefined : parseReleaseDate(rawDate, latestYear);
  if (releaseDate === null) return { ok: false, index, reason: 'invalid releaseDate' };
  const genre = text(raw['Major Genre']);
  const candidate: Record<string, unknown> = {
    title,
    description: describeRecord(raw),
    releaseDate,
    genres: genre ? [genre] : undefined,
    director: text(raw.Director),
    mpaaRating: mapMpaaRating(raw['MPAA Rating']),
    runtimeMinutes: num(raw['Running Time min']),
    imdbRating: num(raw['IMDB Rating']),
    imdbVotes: num(raw['IMDB Votes']),
    usGross: num(raw['US Gross']),
    worldwideGross: num(raw['Worldwide Gross']),
    productionBudget: num(raw['Production Budget']),
    distributor: text(raw.Distributor),
  };
  for (const k of Object.keys(candidate)) if (candidate[k] === undefined) delete candidate[k];
  const parsed = MovieFieldsSchema.safeParse(candidate);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, index, reason: `invalid ${issue?.path.join('.') || 'record'}` };
  }
  return { ok: true, index, key: seedIdempotencyKey(raw, index), fields: parsed.data };
}

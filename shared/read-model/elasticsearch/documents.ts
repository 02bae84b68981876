/**
 * Read entries as stored documents and back: a movie gains the keys this adapter computes (the server has
 * no lowercase normalizer), a tombstone is a small document with `deleted: true`.
 */
import type { Movie } from '../../domain/movie';
import type { ReadEntry } from '../port';
import { directorKey, titleSortKey } from '../search-semantics';

export type MovieDocument = Movie & { deleted: false; titleSort: string; directorLower?: string };
export type TombstoneDocument = { id: string; version: number; deleted: true; deletedAt: string };
export type Document = MovieDocument | TombstoneDocument;

/** Fields a stored movie has that the domain movie does not. */
const COMPUTED_FIELDS = ['deleted', 'titleSort', 'directorLower'] as const;

export function toDocument(entry: ReadEntry): Document {
  if (entry.kind === 'tombstone') {
    return { id: entry.id, version: entry.version, deleted: true, deletedAt: entry.deletedAt };
  }
  const { movie } = entry;
  return {
    ...movie,
    deleted: false,
    titleSort: titleSortKey(movie.title),
    ...(movie.director !== undefined ? { directorLower: directorKey(movie.director) } : {}),
  };
}

export function toMovie(source: Record<string, unknown>): Movie {
  const movie: Record<string, unknown> = { ...source };
  for (const field of COMPUTED_FIELDS) delete movie[field];
  return movie as unknown as Movie;
}

export function toEntry(source: Record<string, unknown>): ReadEntry {
  if (source.deleted === true) {
    return {
      kind: 'tombstone',
      id: String(source.id),
      version: Number(source.version),
      deletedAt: String(source.deletedAt),
    };
  }
  return { kind: 'movie', movie: toMovie(source) };
}

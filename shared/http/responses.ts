/** Response builders and the response documentation shared by the endpoints. */
import type { HttpResponseInit } from '@azure/functions';
import type { Movie } from '../domain/movie';
import type { LinkDoc, ResponseDoc } from './docs';
import { etag } from './headers';

const PROBLEM_DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid input (every bad field listed in `errors`) or malformed JSON',
  401: 'Missing or wrong function key',
  404: 'No such movie (or it was deleted)',
  409: 'A rebuild is already running (`jobId` and `location` name it); one runs at a time',
  412: 'The If-Match version is stale (the current version is in `currentVersion` and ETag), or the movie exists',
  413: 'Body over 64 KiB',
  415: 'Wrong Content-Type',
  422: 'Idempotency-Key reused with a different body',
  428: 'If-Match is required',
  500: 'Unexpected fault (logged with the correlation id)',
  503: 'A backing store is unavailable; retry after Retry-After seconds',
};

/** Problem responses, documented once. */
export function problems(...statuses: number[]): Record<number, ResponseDoc> {
  return Object.fromEntries(
    statuses.map((s) => [s, { description: PROBLEM_DESCRIPTIONS[s] ?? 'Problem', problem: true }]),
  );
}

export const MOVIE_HEADERS = { ETag: 'The version of the movie, e.g. "3"' } as const;

/**
 * Links from a response carrying a movie (body `id`, header `ETag`) to the commands that change it, so a
 * stateful client chains create -> replace/patch/delete with the right If-Match.
 */
export const MOVIE_LINKS: Readonly<Record<string, LinkDoc>> = {
  getMovie: { operationId: 'getMovie', description: 'Read the movie', parameters: { id: '$response.body#/id' } },
  putMovie: {
    operationId: 'putMovie',
    description: 'Replace this version (If-Match from the ETag)',
    parameters: { id: '$response.body#/id', 'header.If-Match': '$response.header.ETag' },
  },
  patchMovie: {
    operationId: 'patchMovie',
    description: 'Patch this version (If-Match from the ETag)',
    parameters: { id: '$response.body#/id', 'header.If-Match': '$response.header.ETag' },
  },
  deleteMovie: {
    operationId: 'deleteMovie',
    description: 'Delete this version (If-Match from the ETag)',
    parameters: { id: '$response.body#/id', 'header.If-Match': '$response.header.ETag' },
  },
  movieHistory: {
    operationId: 'movieHistory',
    description: 'The versions of the movie',
    parameters: { id: '$response.body#/id' },
  },
};

export function movieResponse(movie: Movie, status: number, headers: Record<string, string> = {}): HttpResponseInit {
  return {
    status,
    headers: { 'Content-Type': 'application/json', ETag: etag(movie.version), ...headers },
    jsonBody: movie,
  };
}

/**
 * Movie events. Each carries the full resulting state (the read side never needs them in order),
 * what changed, and metadata. Plain readonly data in a discriminated union.
 */
import type { MovieState } from './movie';

export interface EventMetadata {
  readonly movieId: string;
  readonly version: number;
  /** ISO-8601 instant the command was accepted (supplied by the caller; the decider has no clock). */
  readonly occurredAt: string;
  readonly idempotencyKey?: string;
  /** Hash of the request that produced the event, to tell a replay from a key reused with another body. */
  readonly requestHash?: string;
  readonly correlationId: string;
  /** W3C traceparent of the command request, carried to the projector. */
  readonly traceparent?: string;
}

export interface MovieCreated {
  readonly type: 'MovieCreated';
  readonly state: MovieState;
  readonly changed: readonly string[];
  readonly metadata: EventMetadata;
}
export interface MovieUpdated {
  readonly type: 'MovieUpdated';
  readonly state: MovieState;
  readonly changed: readonly string[];
  readonly metadata: EventMetadata;
}
export interface MovieDeleted {
  readonly type: 'MovieDeleted';
  /** The last state before deletion, with the deletion's version and time. */
  readonly state: MovieState;
  readonly changed: readonly string[];
  readonly metadata: EventMetadata;
}
export type MovieEvent = MovieCreated | MovieUpdated | MovieDeleted;
export type MovieEventType = MovieEvent['type'];
export const MOVIE_EVENT_TYPES: readonly MovieEventType[] = ['MovieCreated', 'MovieUpdated', 'MovieDeleted'];

/** Event ids are derived from (movie id, version): two writers racing for one version collide. */
export function eventId(movieId: string, version: number): string {
  return `${movieId}:${version}`;
}

/** The CloudEvents `type` of an event on the wire. */
export function cloudEventType(type: MovieEventType): string {
  return `Movies.${type}.v1`;
}

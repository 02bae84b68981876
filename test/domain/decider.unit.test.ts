/** The decider, given / when / then: past events, a command, the event (or rejection) that follows. */
import { describe, expect, it } from 'vitest';
import { evolve, initialState, type CommandMetadata } from '../../shared/domain/decider';
import type { MovieEvent } from '../../shared/domain/events';
import { given } from '../support/decider-specification';

const meta = (occurredAt: string): CommandMetadata => ({ occurredAt, correlationId: 'corr-1' });
const T0 = '2026-01-01T00:00:00.000Z';
const T1 = '2026-01-02T00:00:00.000Z';

const created: MovieEvent = {
  type: 'MovieCreated',
  state: {
    id: 'm1',
    version: 1,
    title: 'Alien',
    director: 'Ridley Scott',
    imdbRating: 8.5,
    createdAt: T0,
    updatedAt: T0,
  },
  changed: ['director', 'imdbRating', 'title'],
  metadata: { movieId: 'm1', version: 1, occurredAt: T0, correlationId: 'c0' },
};

/** What DeleteMovie at version 1 leads to, at T1. */
const deleted: MovieEvent = {
  type: 'MovieDeleted',
  state: {
    id: 'm1',
    version: 2,
    title: 'Alien',
    director: 'Ridley Scott',
    imdbRating: 8.5,
    createdAt: T0,
    updatedAt: T1,
  },
  changed: [],
  metadata: { movieId: 'm1', version: 2, occurredAt: T1, correlationId: 'corr-1' },
};

describe('CreateMovie', () => {
  it('given nothing, creates version 1 carrying the full state, what changed and the metadata', () => {
    given([])
      .when({ type: 'CreateMovie', movieId: 'm1', fields: { title: 'Alien', genres: ['Horror'] }, metadata: meta(T0) })
      .then([
        {
          type: 'MovieCreated',
          state: { id: 'm1', version: 1, title: 'Alien', genres: ['Horror'], createdAt: T0, updatedAt: T0 },
          changed: ['genres', 'title'],
          metadata: { movieId: 'm1', version: 1, occurredAt: T0, correlationId: 'corr-1' },
        },
      ]);
  });

  it('given the movie exists, is rejected naming the current version', () => {
    given([created])
      .when({ type: 'CreateMovie', movieId: 'm1', fields: { title: 'Again' }, metadata: meta(T1) })
      .thenFails({ type: 'AlreadyExists', current: 1 });
  });

  it('given the movie was deleted, the id stays taken', () => {
    given([created, deleted])
      .when({ type: 'CreateMovie', movieId: 'm1', fields: { title: 'X' }, metadata: meta(T1) })
      .thenFails({ type: 'AlreadyExists', current: 2 });
  });
});

describe('ReplaceMovie', () => {
  it('given version 1, replaces the whole movie as version 2: fields not given are gone', () => {
    given([created])
      .when({
        type: 'ReplaceMovie',
        movieId: 'm1',
        expectedVersion: 1,
        fields: { title: 'Aliens' },
        metadata: meta(T1),
      })
      .then([
        {
          type: 'MovieUpdated',
          state: { id: 'm1', version: 2, title: 'Aliens', createdAt: T0, updatedAt: T1 },
          changed: ['director', 'imdbRating', 'title'],
          metadata: { movieId: 'm1', version: 2, occurredAt: T1, correlationId: 'corr-1' },
        },
      ]);
  });

  it('given a stale expected version, is rejected with the expected and the current version', () => {
    given([created])
      .when({ type: 'ReplaceMovie', movieId: 'm1', expectedVersion: 7, fields: { title: 'X' }, metadata: meta(T1) })
      .thenFails({ type: 'VersionMismatch', expected: 7, current: 1 });
  });

  it('given the same fields, is a no-op (no event)', () => {
    given([created])
      .when({
        type: 'ReplaceMovie',
        movieId: 'm1',
        expectedVersion: 1,
        fields: { title: 'Alien', director: 'Ridley Scott', imdbRating: 8.5 },
        metadata: meta(T1),
      })
      .then([]);
  });

  it('given no movie, is rejected: not found', () => {
    given([])
      .when({ type: 'ReplaceMovie', movieId: 'm1', expectedVersion: 1, fields: { title: 'X' }, metadata: meta(T1) })
      .thenFails({ type: 'NotFound' });
  });
});

describe('PatchMovie (merge patch)', () => {
  it('sets given fields, removes null ones, keeps the rest', () => {
    given([created])
      .when({
        type: 'PatchMovie',
        movieId: 'm1',
        expectedVersion: 1,
        patch: { imdbRating: null, runtimeMinutes: 117 },
        metadata: meta(T1),
      })
      .then([
        {
          type: 'MovieUpdated',
          state: {
            id: 'm1',
            version: 2,
            title: 'Alien',
            director: 'Ridley Scott',
            runtimeMinutes: 117,
            createdAt: T0,
            updatedAt: T1,
          },
          changed: ['imdbRating', 'runtimeMinutes'],
          metadata: { movieId: 'm1', version: 2, occurredAt: T1, correlationId: 'corr-1' },
        },
      ]);
  });

  it('a field given as undefined is left as it is (only null removes)', () => {
    given([created])
      .when({
        type: 'PatchMovie',
        movieId: 'm1',
        expectedVersion: 1,
        patch: { title: 'Alien (1979)', director: undefined },
        metadata: meta(T1),
      })
      .then([
        {
          type: 'MovieUpdated',
          state: {
            id: 'm1',
            version: 2,
            title: 'Alien (1979)',
            director: 'Ridley Scott',
            imdbRating: 8.5,
            createdAt: T0,
            updatedAt: T1,
          },
          changed: ['title'],
          metadata: { movieId: 'm1', version: 2, occurredAt: T1, correlationId: 'corr-1' },
        },
      ]);
  });

  it('refuses to remove the title: invalid, naming the field', () => {
    given([created])
      .when({ type: 'PatchMovie', movieId: 'm1', expectedVersion: 1, patch: { title: null }, metadata: meta(T1) })
      .thenFails({
        type: 'Invalid',
        issues: [{ path: ['title'], message: 'Invalid input: expected string, received undefined' }],
      });
  });

  it('a patch that changes nothing is a no-op', () => {
    given([created])
      .when({ type: 'PatchMovie', movieId: 'm1', expectedVersion: 1, patch: { title: 'Alien' }, metadata: meta(T1) })
      .then([]);
  });
});

describe('DeleteMovie', () => {
  it('given version 1, deletes as version 2 keeping the last state', () => {
    given([created])
      .when({ type: 'DeleteMovie', movieId: 'm1', expectedVersion: 1, metadata: meta(T1) })
      .then([deleted]);
  });

  it('given it is already deleted, is rejected: not found', () => {
    given([created, deleted])
      .when({ type: 'DeleteMovie', movieId: 'm1', expectedVersion: 2, metadata: meta(T1) })
      .thenFails({ type: 'NotFound' });
  });
});

describe('evolve', () => {
  it('folds events into live and deleted states', () => {
    const live = evolve(initialState, created);
    expect(live).toEqual({ status: 'live', movie: created.state });
    expect(evolve(live, deleted)).toEqual({ status: 'deleted', movie: deleted.state });
  });
});

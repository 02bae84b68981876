/** The decider, given / when / then: past events, a command, the events (or error) that follow. */
import { describe, expect, it } from 'vitest';
import {
  decide,
  evolve,
  initialState,
  type CommandMetadata,
  type MovieCommand,
  type MovieDecisionState,
} from '../../shared/domain/decider';
import type { MovieEvent } from '../../shared/domain/events';
import { NotFoundError, PreconditionFailedError, ValidationError } from '../../shared/errors';

const meta = (occurredAt: string): CommandMetadata => ({ occurredAt, correlationId: 'corr-1' });
const T0 = '2026-01-01T00:00:00.000Z';
const T1 = '2026-01-02T00:00:00.000Z';

function given(...events: MovieEvent[]): MovieDecisionState {
  return events.reduce(evolve, initialState);
}

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

function when(state: MovieDecisionState, command: MovieCommand) {
  return decide(command, state);
}

describe('CreateMovie', () => {
  it('given nothing, creates version 1 carrying the full state, what changed and the metadata', () => {
    const result = when(given(), {
      type: 'CreateMovie',
      movieId: 'm1',
      fields: { title: 'Alien', genres: ['Horror'] },
      metadata: meta(T0),
    });
    expect(result).toEqual([
      {
        type: 'MovieCreated',
        state: { id: 'm1', version: 1, title: 'Alien', genres: ['Horror'], createdAt: T0, updatedAt: T0 },
        changed: ['genres', 'title'],
        metadata: { movieId: 'm1', version: 1, occurredAt: T0, correlationId: 'corr-1' },
      },
    ]);
  });

  it('given the movie exists, fails with 412 naming the current version', () => {
    const result = when(given(created), {
      type: 'CreateMovie',
      movieId: 'm1',
      fields: { title: 'Again' },
      metadata: meta(T1),
    });
    expect(result).toBeInstanceOf(PreconditionFailedError);
    expect((result as PreconditionFailedError).currentVersion).toBe(1);
    expect((result as PreconditionFailedError).message).toBe('Movie m1 already exists.');
  });

  it('given the movie was deleted, the id stays taken', () => {
    const deleted = when(given(created), {
      type: 'DeleteMovie',
      movieId: 'm1',
      expectedVersion: 1,
      metadata: meta(T1),
    }) as MovieEvent[];
    expect(
      when(given(created, ...deleted), {
        type: 'CreateMovie',
        movieId: 'm1',
        fields: { title: 'X' },
        metadata: meta(T1),
      }),
    ).toBeInstanceOf(PreconditionFailedError);
  });
});

describe('ReplaceMovie', () => {
  it('given version 1, replaces the whole movie as version 2: fields not given are gone', () => {
    const [event] = when(given(created), {
      type: 'ReplaceMovie',
      movieId: 'm1',
      expectedVersion: 1,
      fields: { title: 'Aliens' },
      metadata: meta(T1),
    }) as MovieEvent[];
    expect(event).toMatchObject({
      type: 'MovieUpdated',
      state: { id: 'm1', version: 2, title: 'Aliens', createdAt: T0, updatedAt: T1 },
      changed: ['director', 'imdbRating', 'title'],
    });
    expect(event!.state).not.toHaveProperty('director');
  });

  it('given a stale expected version, fails with 412 and the current version', () => {
    const result = when(given(created), {
      type: 'ReplaceMovie',
      movieId: 'm1',
      expectedVersion: 7,
      fields: { title: 'X' },
      metadata: meta(T1),
    });
    expect(result).toBeInstanceOf(PreconditionFailedError);
    expect((result as PreconditionFailedError).headers.ETag).toBe('"1"');
    expect((result as PreconditionFailedError).message).toBe('If-Match names version 7, but the current version is 1.');
  });

  it('given the same fields, is a no-op (no event)', () => {
    const { id: _i, version: _v, createdAt: _c, updatedAt: _u, ...fields } = created.state;
    expect(
      when(given(created), { type: 'ReplaceMovie', movieId: 'm1', expectedVersion: 1, fields, metadata: meta(T1) }),
    ).toEqual([]);
  });

  it('given no movie, fails with 404 saying so', () => {
    const result = when(given(), {
      type: 'ReplaceMovie',
      movieId: 'm1',
      expectedVersion: 1,
      fields: { title: 'X' },
      metadata: meta(T1),
    });
    expect(result).toBeInstanceOf(NotFoundError);
    expect((result as NotFoundError).message).toBe('Movie m1 does not exist.');
  });
});

describe('PatchMovie (merge patch)', () => {
  it('sets given fields, removes null ones, keeps the rest', () => {
    const [event] = when(given(created), {
      type: 'PatchMovie',
      movieId: 'm1',
      expectedVersion: 1,
      patch: { imdbRating: null, runtimeMinutes: 117 },
      metadata: meta(T1),
    }) as MovieEvent[];
    expect(event!.state).toEqual({
      id: 'm1',
      version: 2,
      title: 'Alien',
      director: 'Ridley Scott',
      runtimeMinutes: 117,
      createdAt: T0,
      updatedAt: T1,
    });
    expect(event!.changed).toEqual(['imdbRating', 'runtimeMinutes']);
  });

  it('a field given as undefined is left as it is (only null removes)', () => {
    const [event] = when(given(created), {
      type: 'PatchMovie',
      movieId: 'm1',
      expectedVersion: 1,
      patch: { title: 'Alien (1979)', director: undefined },
      metadata: meta(T1),
    }) as MovieEvent[];
    expect(event!.state).toEqual({
      id: 'm1',
      version: 2,
      title: 'Alien (1979)',
      director: 'Ridley Scott',
      imdbRating: 8.5,
      createdAt: T0,
      updatedAt: T1,
    });
    expect(event!.changed).toEqual(['title']);
  });

  it('refuses to remove the title (400 naming the field)', () => {
    const result = when(given(created), {
      type: 'PatchMovie',
      movieId: 'm1',
      expectedVersion: 1,
      patch: { title: null },
      metadata: meta(T1),
    });
    expect(result).toBeInstanceOf(ValidationError);
    expect((result as ValidationError).errors.map((e) => e.path)).toEqual(['body.title']);
  });

  it('a patch that changes nothing is a no-op', () => {
    expect(
      when(given(created), {
        type: 'PatchMovie',
        movieId: 'm1',
        expectedVersion: 1,
        patch: { title: 'Alien' },
        metadata: meta(T1),
      }),
    ).toEqual([]);
  });
});

describe('DeleteMovie', () => {
  it('given version 1, deletes as version 2 keeping the last state', () => {
    const [event] = when(given(created), {
      type: 'DeleteMovie',
      movieId: 'm1',
      expectedVersion: 1,
      metadata: meta(T1),
    }) as MovieEvent[];
    expect(event).toEqual({
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
    });
  });

  it('given it is already deleted, answers 404', () => {
    const deleted = when(given(created), {
      type: 'DeleteMovie',
      movieId: 'm1',
      expectedVersion: 1,
      metadata: meta(T1),
    }) as MovieEvent[];
    expect(
      when(given(created, ...deleted), { type: 'DeleteMovie', movieId: 'm1', expectedVersion: 2, metadata: meta(T1) }),
    ).toBeInstanceOf(NotFoundError);
  });
});

describe('evolve', () => {
  it('folds events into live and deleted states', () => {
    expect(given(created)).toEqual({ status: 'live', movie: created.state });
    const [deleted] = when(given(created), {
      type: 'DeleteMovie',
      movieId: 'm1',
      expectedVersion: 1,
      metadata: meta(T1),
    }) as MovieEvent[];
    expect(given(created, deleted!).status).toBe('deleted');
  });
});

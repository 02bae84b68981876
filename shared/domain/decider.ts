/**
 * The write model as a pure decider: `decide(command, state)` returns the events to append (none for a
 * no-op) or a typed error; `evolve(state, event)` folds an event into the state. No I/O, no clock: time
 * arrives in the command's metadata.
 */
import { z } from 'zod';
import { NotFoundError, PreconditionFailedError, ValidationError, type AppError } from '../errors';
import { fieldErrors } from './validation';
import type { EventMetadata, MovieEvent } from './events';
import { MovieFieldsSchema, OPTIONAL_FIELDS, type MovieFields, type MovieState } from './movie';

/** What a command carries besides its intent: supplied by the caller (the decider has no clock). */
export type CommandMetadata = Omit<EventMetadata, 'movieId' | 'version'>;

export interface CreateMovie {
  readonly type: 'CreateMovie';
  readonly movieId: string;
  readonly fields: MovieFields;
  readonly metadata: CommandMetadata;
}
export interface ReplaceMovie {
  readonly type: 'ReplaceMovie';
  readonly movieId: string;
  readonly expectedVersion: number;
  readonly fields: MovieFields;
  readonly metadata: CommandMetadata;
}
/** RFC 7396 merge patch: a field set to null is removed. */
export type MoviePatch = { readonly [K in keyof MovieFields]?: MovieFields[K] | null };
export interface PatchMovie {
  readonly type: 'PatchMovie';
  readonly movieId: string;
  readonly expectedVersion: number;
  readonly patch: MoviePatch;
  readonly metadata: CommandMetadata;
}
export interface DeleteMovie {
  readonly type: 'DeleteMovie';
  readonly movieId: string;
  readonly expectedVersion: number;
  readonly metadata: CommandMetadata;
}
export type MovieCommand = CreateMovie | ReplaceMovie | PatchMovie | DeleteMovie;

/** Never created, live, or deleted (deletion is final: the id stays taken). */
export type MovieDecisionState =
  | { readonly status: 'absent' }
  | { readonly status: 'live'; readonly movie: MovieState }
  | { readonly status: 'deleted'; readonly movie: MovieState };

export const initialState: MovieDecisionState = { status: 'absent' };

export type Decision = readonly MovieEvent[] | AppError;

function fieldsOf(state: MovieState): MovieFields {
  const { id: _id, version: _v, createdAt: _c, updatedAt: _u, ...fields } = state;
  return fields;
}

function changedFields(before: MovieFields | undefined, after: MovieFields): string[] {
  const keys = new Set([...Object.keys(before ?? {}), ...Object.keys(after)]);
  return [...keys]
    .filter(
      (k) =>
        JSON.stringify((before as Record<string, unknown> | undefined)?.[k]) !==
        JSON.stringify((after as Record<string, unknown>)[k]),
    )
    .sort();
}

function metadataFor(command: MovieCommand, version: number): EventMetadata {
  return { ...command.metadata, movieId: command.movieId, version };
}

function requireLive(state: MovieDecisionState, command: Exclude<MovieCommand, CreateMovie>): MovieState | AppError {
  if (state.status !== 'live') return new NotFoundError(`Movie ${command.movieId} does not exist.`);
  if (state.movie.version !== command.expectedVersion) {
    return new PreconditionFailedError(
      `If-Match names version ${command.expectedVersion}, but the current version is ${state.movie.version}.`,
      state.movie.version,
    );
  }
  return state.movie;
}

function update(command: ReplaceMovie | PatchMovie, current: MovieState, fields: MovieFields): Decision {
  const changed = changedFields(fieldsOf(current), fields);
  if (changed.length === 0) return [];
  const version = current.version + 1;
  return [
    {
      type: 'MovieUpdated',
      state: {
        ...fields,
        id: current.id,
        version,
        createdAt: current.createdAt,
        updatedAt: command.metadata.occurredAt,
      },
      changed,
      metadata: metadataFor(command, version),
    },
  ];
}

/** Applies a merge patch to the current fields and validates the result as a whole. */
export function applyPatch(current: MovieFields, patch: MoviePatch): MovieFields | ValidationError {
  const merged: Record<string, unknown> = { ...current };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete merged[key];
    else if (value !== undefined) merged[key] = value;
  }
  const result = MovieFieldsSchema.safeParse(merged);
  return result.success ? result.data : new ValidationError(fieldErrors(result.error.issues, 'body'));
}

export function decide(command: MovieCommand, state: MovieDecisionState): Decision {
  switch (command.type) {
    case 'CreateMovie': {
      if (state.status !== 'absent') {
        return new PreconditionFailedError(`Movie ${command.movieId} already exists.`, state.movie.version);
      }
      const at = command.metadata.occurredAt;
      return [
        {
          type: 'MovieCreated',
          state: { ...command.fields, id: command.movieId, version: 1, createdAt: at, updatedAt: at },
          changed: changedFields(undefined, command.fields),
          metadata: metadataFor(command, 1),
        },
      ];
    }
    case 'ReplaceMovie': {
      const current = requireLive(state, command);
      return current instanceof Error ? current : update(command, current, command.fields);
    }
    case 'PatchMovie': {
      const current = requireLive(state, command);
      if (current instanceof Error) return current;
      const fields = applyPatch(fieldsOf(current), command.patch);
      return fields instanceof Error ? fields : update(command, current, fields);
    }
    case 'DeleteMovie': {
      const current = requireLive(state, command);
      if (current instanceof Error) return current;
      const version = current.version + 1;
      return [
        {
          type: 'MovieDeleted',
          state: { ...current, version, updatedAt: command.metadata.occurredAt },
          changed: [],
          metadata: metadataFor(command, version),
        },
      ];
    }
    default: {
      const unknown: never = command;
      throw new Error(`unknown command ${JSON.stringify(unknown)}`);
    }
  }
}

export function evolve(state: MovieDecisionState, event: MovieEvent): MovieDecisionState {
  switch (event.type) {
    case 'MovieCreated':
    case 'MovieUpdated':
      return { status: 'live', movie: event.state };
    case 'MovieDeleted':
      return { status: 'deleted', movie: event.state };
    default: {
      const unknown: never = event;
      throw new Error(`unknown event ${JSON.stringify(unknown)}`);
    }
  }
}

/** Merge-patch body schema: every field optional, optional fields nullable (null removes). */
export const MoviePatchSchema = z
  .strictObject(
    Object.fromEntries(
      Object.entries(MovieFieldsSchema.shape).map(([key, schema]) => [
        key,
        (OPTIONAL_FIELDS as readonly string[]).includes(key)
          ? (schema as z.ZodOptional<z.ZodType>).unwrap().nullable().optional()
          : (schema as z.ZodType).optional(),
      ]),
    ) as { [K in keyof MovieFields]-?: z.ZodOptional<z.ZodNullable<z.ZodType<NonNullable<MovieFields[K]>>>> },
  )
  .meta({ id: 'MoviePatch' });

/**
 * The write model as a pure decider: `decide(command, state)` returns the one event to append (none for a
 * no-op) or why the command is rejected, in the domain's words; `evolve(state, event)` folds an event into
 * the state. No I/O, no clock (time arrives in the command's metadata), no protocol: the command layer
 * (shared/write-model/commands.ts) says what a rejection is over HTTP.
 */
import { z } from 'zod';
import { fieldIssues, type FieldIssue } from './validation';
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

/** Why a command is not carried out. */
export type Rejection =
  /** The movie was never created, or was deleted. */
  | { readonly type: 'NotFound' }
  /** A create of an id that is taken (a deleted movie's id stays taken); `current` is its newest version. */
  | { readonly type: 'AlreadyExists'; readonly current: number }
  /** A change decided on `expected`, but the movie is at `current`. */
  | { readonly type: 'VersionMismatch'; readonly expected: number; readonly current: number }
  /** The movie the command would make breaks a rule of its fields (paths into the fields). */
  | { readonly type: 'Invalid'; readonly issues: readonly FieldIssue[] };

/** The one event to append, or `null`: nothing changes (a no-op). Never more than one. */
export interface Accepted {
  readonly ok: true;
  readonly event: MovieEvent | null;
}
export interface Rejected {
  readonly ok: false;
  readonly rejection: Rejection;
}
/** What a command leads to: at most one event, or a rejection. */
export type Decision = Accepted | Rejected;

const accepted = (event: MovieEvent | null): Decision => ({ ok: true, event });
const rejected = (rejection: Rejection): Decision => ({ ok: false, rejection });

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

/** Decides with `then` on the live movie at the command's expected version; rejects otherwise. */
function onLive(
  state: MovieDecisionState,
  command: Exclude<MovieCommand, CreateMovie>,
  then: (current: MovieState) => Decision,
): Decision {
  if (state.status !== 'live') return rejected({ type: 'NotFound' });
  if (state.movie.version !== command.expectedVersion) {
    return rejected({ type: 'VersionMismatch', expected: command.expectedVersion, current: state.movie.version });
  }
  return then(state.movie);
}

function update(command: ReplaceMovie | PatchMovie, current: MovieState, fields: MovieFields): Decision {
  const changed = changedFields(fieldsOf(current), fields);
  if (changed.length === 0) return accepted(null);
  const version = current.version + 1;
  return accepted({
    type: 'MovieUpdated',
    state: { ...fields, id: current.id, version, createdAt: current.createdAt, updatedAt: command.metadata.occurredAt },
    changed,
    metadata: metadataFor(command, version),
  });
}

/** The fields a merge patch leads to, or the rules they break. */
export type PatchResult =
  { readonly ok: true; readonly fields: MovieFields } | { readonly ok: false; readonly issues: readonly FieldIssue[] };

/** Applies a merge patch to the current fields and validates the result as a whole. */
export function applyPatch(current: MovieFields, patch: MoviePatch): PatchResult {
  const merged: Record<string, unknown> = { ...current };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete merged[key];
    else if (value !== undefined) merged[key] = value;
  }
  const result = MovieFieldsSchema.safeParse(merged);
  return result.success ? { ok: true, fields: result.data } : { ok: false, issues: fieldIssues(result.error.issues) };
}

function create(command: CreateMovie, state: MovieDecisionState): Decision {
  if (state.status !== 'absent') return rejected({ type: 'AlreadyExists', current: state.movie.version });
  const at = command.metadata.occurredAt;
  return accepted({
    type: 'MovieCreated',
    state: { ...command.fields, id: command.movieId, version: 1, createdAt: at, updatedAt: at },
    changed: changedFields(undefined, command.fields),
    metadata: metadataFor(command, 1),
  });
}

function patch(command: PatchMovie, current: MovieState): Decision {
  const result = applyPatch(fieldsOf(current), command.patch);
  return result.ok ? update(command, current, result.fields) : rejected({ type: 'Invalid', issues: result.issues });
}

function remove(command: DeleteMovie, current: MovieState): Decision {
  const version = current.version + 1;
  return accepted({
    type: 'MovieDeleted',
    state: { ...current, version, updatedAt: command.metadata.occurredAt },
    changed: [],
    metadata: metadataFor(command, version),
  });
}

export function decide(command: MovieCommand, state: MovieDecisionState): Decision {
  switch (command.type) {
    case 'CreateMovie':
      return create(command, state);
    case 'ReplaceMovie':
      return onLive(state, command, (current) => update(command, current, command.fields));
    case 'PatchMovie':
      return onLive(state, command, (current) => patch(command, current));
    case 'DeleteMovie':
      return onLive(state, command, (current) => remove(command, current));
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

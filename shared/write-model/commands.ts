/**
 * Command handling: load the newest version (a create without an Idempotency-Key loads nothing unless
 * its append collides), decide, append (a lost race is a 412, never a lost update), then publish and mark
 * dispatched. Publishing failures are logged and left to the relay: the event is already stored with
 * `dispatched: false`, so it is delayed, never lost, and the command still succeeds.
 */
import { createHash } from 'node:crypto';
import {
  decide,
  evolve,
  initialState,
  type MovieCommand,
  type MovieDecisionState,
  type Rejection,
} from '../domain/decider';
import { toRepresentation, type Movie } from '../domain/movie';
import { fieldErrorsOf } from '../domain/validation';
import {
  AppError,
  ConcurrencyConflictError,
  IdempotencyKeyReusedError,
  NotFoundError,
  PreconditionFailedError,
  ValidationError,
} from '../errors';
import type { Deps, Logger, StoredEvent } from '../ports';
import { recordCommand } from '../observability';

/** The ports command handling uses: the event store and the topic. */
export type CommandDeps = Pick<Deps, 'eventStore' | 'publisher'>;

export type CommandOutcome =
  | { readonly kind: 'appended'; readonly event: StoredEvent; readonly movie: Movie }
  /** Nothing changed: doing what is already done is a no-op. */
  | { readonly kind: 'unchanged'; readonly movie: Movie }
  /** A retry of an earlier request with the same Idempotency-Key: the original result. */
  | { readonly kind: 'replayed'; readonly event: StoredEvent; readonly movie: Movie };

export function stateOf(event: StoredEvent | null): MovieDecisionState {
  return event ? evolve(initialState, event) : initialState;
}

/** Canonical hash of a request body: same content, same hash, whatever the key order. */
export function requestHash(value: unknown): string {
  const canonical = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(canonical)
      : v && typeof v === 'object'
        ? Object.fromEntries(
            Object.keys(v)
              .sort()
              .map((k) => [k, canonical((v as Record<string, unknown>)[k])]),
          )
        : v;
  return createHash('sha256')
    .update(JSON.stringify(canonical(value)))
    .digest('base64url');
}

/** The movie id a keyed create uses: concurrent creates with one key collide on version 1. */
export function movieIdForIdempotencyKey(key: string): string {
  return `k${createHash('sha256').update(key).digest('base64url').slice(0, 42)}`;
}

/**
 * A rejection as the typed error the one problem mapper (shared/http/problem.ts) answers with: 404, 412
 * with the current version (`currentVersion` and `ETag`), or 400 naming the body's fields.
 */
export function rejectionError(command: MovieCommand, rejection: Rejection): AppError {
  switch (rejection.type) {
    case 'NotFound':
      return new NotFoundError(`Movie ${command.movieId} does not exist.`);
    case 'AlreadyExists':
      return new PreconditionFailedError(`Movie ${command.movieId} already exists.`, rejection.current);
    case 'VersionMismatch':
      return new PreconditionFailedError(
        `If-Match names version ${rejection.expected}, but the current version is ${rejection.current}.`,
        rejection.current,
      );
    case 'Invalid':
      return new ValidationError(fieldErrorsOf(rejection.issues, 'body'));
    default: {
      const unknown: never = rejection;
      throw new Error(`unknown rejection ${JSON.stringify(unknown)}`);
    }
  }
}

function replayOf(existing: StoredEvent, command: MovieCommand): CommandOutcome | null {
  const key = command.metadata.idempotencyKey;
  if (!key || existing.metadata.idempotencyKey !== key) return null;
  if (existing.metadata.requestHash !== command.metadata.requestHash) {
    throw new IdempotencyKeyReusedError('This Idempotency-Key was used before with a different request body.');
  }
  return { kind: 'replayed', event: existing, movie: toRepresentation(existing.state) };
}

/** Publishes and marks dispatched; on failure the relay re-publishes later. */
export async function dispatch(deps: CommandDeps, events: readonly StoredEvent[], log: Logger): Promise<boolean> {
  try {
    await deps.publisher.publish(events);
  } catch (error) {
    log.warn(
      `publish failed for ${events.map((e) => e.id).join(', ')}; the relay will re-publish: ${(error as Error).message}`,
    );
    return false;
  }
  await Promise.all(
    events.map((e) =>
      deps.eventStore
        .markDispatched(e)
        .catch((error: Error) =>
          log.warn(`could not mark ${e.id} dispatched (it will be re-published, harmlessly): ${error.message}`),
        ),
    ),
  );
  return true;
}

/**
 * The newest version the command needs to decide on. Point reads answer the common cases (a change whose
 * If-Match names the newest version: versions n and n+1; a create that collided: version 1); only
 * otherwise the version query runs. A retried keyed create is answered here with its original outcome.
 */
async function loadCurrent(command: MovieCommand, deps: CommandDeps): Promise<StoredEvent | CommandOutcome | null> {
  const { eventStore } = deps;
  if (command.type === 'CreateMovie') {
    const first = await eventStore.get(command.movieId, 1);
    if (!first) return null;
    return replayOf(first, command) ?? eventStore.latest(command.movieId);
  }
  const [expected, next] = await Promise.all([
    eventStore.get(command.movieId, command.expectedVersion),
    eventStore.get(command.movieId, command.expectedVersion + 1),
  ]);
  return expected && !next ? expected : eventStore.latest(command.movieId);
}

/**
 * Handles one command on the ports it is given. Its metric (`recordCommand`) goes through the
 * OpenTelemetry API (shared/observability.ts), which is itself the port: a no-op until the composition
 * root starts an SDK; a test reads it by registering its own meter provider (test/support/chaos.ts). So it
 * is not one more parameter here.
 */
export async function handleCommand(command: MovieCommand, deps: CommandDeps, log: Logger): Promise<CommandOutcome> {
  try {
    const outcome = await runCommand(command, deps, log);
    recordCommand(command.type, outcome.kind);
    return outcome;
  } catch (error) {
    recordCommand(command.type, error instanceof AppError ? String(error.status) : 'fault');
    throw error;
  }
}

async function runCommand(command: MovieCommand, deps: CommandDeps, log: Logger): Promise<CommandOutcome> {
  if (command.type === 'CreateMovie' && !command.metadata.idempotencyKey) {
    // No read before a create: a movie that exists has a version 1, so appending version 1 is the
    // existence check itself. Only a collision (the id exists, or a racing create) pays for the reads
    // below, and then decides exactly as before. A keyed create reads version 1 first instead: its
    // retries are what keys are for, and a retry then costs one point read and attempts no write.
    try {
      return await decideAndAppend(command, null, deps, log);
    } catch (error) {
      if (!(error instanceof ConcurrencyConflictError)) throw error;
    }
  }
  const loaded = await loadCurrent(command, deps);
  if (loaded && 'kind' in loaded) return loaded;
  try {
    return await decideAndAppend(command, loaded, deps, log);
  } catch (error) {
    if (!(error instanceof ConcurrencyConflictError)) throw error;
    const winner = await deps.eventStore.get(command.movieId, error.version);
    const replay = winner && command.type === 'CreateMovie' ? replayOf(winner, command) : null;
    if (replay) return replay;
    const latest = await deps.eventStore.latest(command.movieId);
    throw new PreconditionFailedError(
      `Another request changed movie ${command.movieId} first; the current version is ${latest?.version ?? 'unknown'}.`,
      latest?.version,
    );
  }
}

/** Decides on `current` and appends; a lost race surfaces as the store's ConcurrencyConflictError. */
async function decideAndAppend(
  command: MovieCommand,
  current: StoredEvent | null,
  deps: CommandDeps,
  log: Logger,
): Promise<CommandOutcome> {
  const decision = decide(command, stateOf(current));
  if (!decision.ok) throw rejectionError(command, decision.rejection);
  if (!decision.event) return { kind: 'unchanged', movie: toRepresentation(current!.state) };
  const stored = await deps.eventStore.append(decision.event);
  await dispatch(deps, [stored], log);
  return { kind: 'appended', event: stored, movie: toRepresentation(stored.state) };
}

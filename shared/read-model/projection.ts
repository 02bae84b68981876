/**
 * The projection: the ONLY writer of the read store. Idempotent and order-free: each event carries the
 * full resulting state and its version, applied with external versioning, so duplicates and stale
 * deliveries are no-ops; a delete leaves a tombstone. Then the movie's cache entry is invalidated (its floor
 * raised to the event's version). The projection does not wait for the read store's refresh: a GET by id
 * is realtime in Elasticsearch, and searches are eventually consistent (see ./queries).
 * Transient faults throw (the delivery is retried); a poison event throws PoisonEventError.
 */
import { z } from 'zod';
import { MOVIE_EVENT_TYPES, cloudEventType } from '../domain/events';
import { MovieSchema, toRepresentation, type MovieState } from '../domain/movie';
import type { CloudEventEnvelope, Deps } from '../ports';
import type { ApplyOutcome, ReadEntry } from './port';
import { invalidateMovie } from './queries';
import { recordProjectionLag, withSpan } from '../observability';
import { entryId } from './search-semantics';

/** An event that can never be applied (unparseable, unknown type): dead-letter it, do not retry. */
export class PoisonEventError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PoisonEventError';
  }
}

const StateSchema = MovieSchema.omit({ year: true });
const EventDataSchema = z.object({
  type: z.enum(MOVIE_EVENT_TYPES as ['MovieCreated', 'MovieUpdated', 'MovieDeleted']),
  state: StateSchema,
  changed: z.array(z.string()),
  metadata: z.looseObject({ movieId: z.string(), version: z.number().int().min(1), occurredAt: z.string() }),
});
export type EventData = z.infer<typeof EventDataSchema>;

const KNOWN_TYPES = new Map(MOVIE_EVENT_TYPES.map((t) => [cloudEventType(t), t]));

/** Parses a delivered CloudEvent, or throws PoisonEventError saying why it can never be applied. */
export function parseMovieEvent(event: CloudEventEnvelope): EventData {
  if (!event || typeof event !== 'object') throw new PoisonEventError('event is not an object');
  const expected = KNOWN_TYPES.get(event.type);
  if (!expected) throw new PoisonEventError(`unknown event type ${JSON.stringify(event.type)}`);
  const data = typeof event.data === 'string' ? safeJson(event.data) : event.data;
  const parsed = EventDataSchema.safeParse(data);
  if (!parsed.success) {
    throw new PoisonEventError(
      `event ${event.id} data is not a movie event: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  if (parsed.data.type !== expected)
    throw new PoisonEventError(`event ${event.id} type ${event.type} carries ${parsed.data.type}`);
  if (
    parsed.data.state.id !== parsed.data.metadata.movieId ||
    parsed.data.state.version !== parsed.data.metadata.version
  ) {
    throw new PoisonEventError(`event ${event.id} state and metadata disagree on id or version`);
  }
  return parsed.data;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new PoisonEventError('event data is not valid JSON');
  }
}

export function toReadEntry(data: EventData): ReadEntry {
  if (data.type === 'MovieDeleted') {
    return { kind: 'tombstone', id: data.state.id, version: data.state.version, deletedAt: data.metadata.occurredAt };
  }
  return { kind: 'movie', movie: toRepresentation(data.state) };
}

export interface ProjectionResult {
  readonly movieId: string;
  readonly version: number;
  readonly outcome: ApplyOutcome;
  /** Event time -> read-store write. */
  readonly lagMs: number;
}

export async function project(
  event: CloudEventEnvelope,
  deps: Pick<Deps, 'readStore' | 'cache' | 'clock' | 'settings'>,
): Promise<ProjectionResult> {
  const data = parseMovieEvent(event);
  const entry = toReadEntry(data);
  const [outcome = 'stale'] = await withSpan(
    `${deps.readStore.kind} index`,
    { 'db.system': deps.readStore.kind, 'movie.id': entryId(entry) },
    () => deps.readStore.apply([entry]),
  );
  const lagMs = deps.clock().getTime() - Date.parse(data.metadata.occurredAt);
  recordProjectionLag(lagMs, outcome);
  // Invalidate even for a stale outcome: this may be the retry of a delivery whose invalidation failed.
  // (A floor older than the stored version changes nothing the newer projection did not already do.)
  await withSpan(`${deps.cache.kind} invalidate`, { 'db.system': deps.cache.kind }, () =>
    invalidateMovie(deps.cache, data.state.id, data.state.version, deps.settings.cacheTtlSeconds),
  );
  return { movieId: data.state.id, version: data.state.version, outcome, lagMs };
}

/** The read entry a stored event leads to (rebuild and verification use the write store directly). */
export function entryOfStored(event: {
  type: EventData['type'];
  state: MovieState;
  metadata: { occurredAt: string };
}): ReadEntry {
  return toReadEntry(event as EventData);
}

/**
 * Ports: the small interfaces the core depends on. Adapters (shared/adapters/*) implement them; one
 * composition root (shared/composition.ts) wires them; tests pass fakes or real-server adapters.
 */
import type { MovieEvent } from './domain/events';
import type { ReadStore } from './read-model/port';

/** An event as stored in the write model: one document per movie version. */
export type StoredEvent = MovieEvent & {
  /** `<movieId>:<version>` */
  readonly id: string;
  readonly movieId: string;
  readonly version: number;
  /** false until the event has been accepted by the topic. */
  readonly dispatched: boolean;
};

export type DependencyStatus = 'up' | 'down' | 'embedded' | 'disabled';

/** The write model: append-only versions in Cosmos DB. */
export interface EventStore {
  /** Creates database and container if missing. */
  init(): Promise<void>;
  /** Appends one event; throws ConcurrencyConflictError if that version already exists. */
  append(event: MovieEvent): Promise<StoredEvent>;
  /** The newest version of one movie, or null. */
  latest(movieId: string): Promise<StoredEvent | null>;
  /** One version of one movie, or null. */
  get(movieId: string, version: number): Promise<StoredEvent | null>;
  /** Versions of one movie, newest first, strictly older than `beforeVersion` when given. */
  history(movieId: string, page: { limit: number; beforeVersion?: number }): Promise<StoredEvent[]>;
  /** Undispatched events that occurred before `occurredBefore`, oldest first. */
  undispatched(occurredBefore: string, limit: number): Promise<StoredEvent[]>;
  markDispatched(event: Pick<StoredEvent, 'movieId' | 'version'>): Promise<void>;
  /** Every movie's newest version, in batches (verification and rebuild). */
  scanLatest(batchSize?: number): AsyncIterable<StoredEvent[]>;
  /** Every event that occurred at or after `since`, oldest first, in batches (rebuild tail replay). */
  eventsSince(since: string, batchSize?: number): AsyncIterable<StoredEvent[]>;
  health(): Promise<DependencyStatus>;
}

/** Publishes stored events to the topic as CloudEvents 1.0. Throws if the topic did not accept them. */
export interface EventPublisher {
  publish(events: readonly StoredEvent[]): Promise<void>;
  /** Re-publishes CloudEvents as they were (redrive of dead letters). */
  publishRaw(events: readonly CloudEventEnvelope[]): Promise<void>;
  health(): Promise<DependencyStatus>;
}

/**
 * A cache. Every operation is bounded in time and is one round trip to the server; an adapter that cannot
 * reach its server throws CacheUnavailableError and callers degrade (a cache never fails a query).
 */
export interface Cache {
  readonly kind: 'redis' | 'memory' | 'none';
  get(key: string): Promise<string | null>;
  set(key: string, value: string, ttlSeconds: number): Promise<void>;
  del(keys: readonly string[]): Promise<void>;
  /**
   * A versioned entry (written by `putVersioned`): its version and value, or a null value when only the
   * version is known (a floor: "the store holds at least this version; nothing cached").
   */
  getVersioned(key: string): Promise<VersionedEntry | null>;
  /**
   * Atomically stores `value` (or, when null, a floor) at `version`, unless the key already holds a newer
   * version, or this version with a value. So a floor replaces any older value, and a reader that read an
   * older version than the floor cannot put it back.
   */
  putVersioned(key: string, version: number, value: string | null, ttlSeconds: number): Promise<void>;
  health(): Promise<DependencyStatus>;
  close(): Promise<void>;
}

export interface VersionedEntry {
  readonly version: number;
  readonly value: string | null;
}

/** The rule of `Cache.putVersioned`, shared by the in-memory adapter (Redis runs it as a Lua script). */
export function replacesVersioned(current: VersionedEntry | null, version: number, value: string | null): boolean {
  if (current === null) return true;
  if (current.version !== version) return current.version < version;
  return current.value === null && value !== null;
}

export class CacheUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CacheUnavailableError';
  }
}

/** A CloudEvent 1.0 as it travels on the wire. */
export interface CloudEventEnvelope {
  readonly specversion: '1.0';
  readonly id: string;
  readonly source: string;
  readonly type: string;
  readonly subject?: string;
  readonly time?: string;
  readonly datacontenttype?: string;
  readonly data?: unknown;
  readonly traceparent?: string;
  readonly [extension: string]: unknown;
}

/** One event that could not be delivered, with why. */
export interface DeadLetter {
  /** Unique name of the dead-letter record (a blob or file name). */
  readonly name: string;
  readonly subscription: string;
  readonly event: CloudEventEnvelope;
  readonly reason: string;
  readonly deliveryAttempts: number;
  readonly deadLetteredAt: string;
  readonly lastError?: string;
}

/** Where undeliverable events go: a blob container in Azure, a folder locally. */
export interface DeadLetterStore {
  put(entry: Omit<DeadLetter, 'name'>): Promise<DeadLetter>;
  list(): Promise<DeadLetter[]>;
  remove(name: string): Promise<void>;
}

/** Minimal structured logger (InvocationContext satisfies it). */
export interface Logger {
  log(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
}

/** Everything a function handler may depend on. */
export interface Deps {
  readonly eventStore: EventStore;
  readonly publisher: EventPublisher;
  readonly readStore: ReadStore;
  readonly cache: Cache;
  readonly deadLetters: DeadLetterStore;
  readonly clock: () => Date;
  readonly newId: () => string;
  readonly settings: {
    readonly cacheTtlSeconds: number;
    /** How long a search or suggest answer is cached: the staleness bound of cached searches. */
    readonly searchCacheTtlSeconds: number;
    readonly relayGraceSeconds: number;
  };
}

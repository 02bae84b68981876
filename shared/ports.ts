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

/** A page of a keyset scan: `next` resumes after it (null at the end). */
export interface LatestPage {
  readonly items: StoredEvent[];
  readonly next: string | null;
}

/** scanLatest for any store: latestPage until `next` is null. */
export async function* scanLatestPages(
  store: Pick<EventStore, 'latestPage'>,
  options: { afterMovieId?: string; batchSize?: number } = {},
): AsyncIterable<StoredEvent[]> {
  let after = options.afterMovieId;
  for (;;) {
    const page = await store.latestPage({
      ...(after === undefined ? {} : { afterMovieId: after }),
      limit: options.batchSize ?? 500,
    });
    if (page.items.length > 0) yield page.items;
    if (page.next === null) return;
    after = page.next;
  }
}

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
  /**
   * One page of every movie's newest version (tombstones included), in movieId order, strictly after
   * `afterMovieId`: a keyset, so a scan resumes from any page's `next`. At most `limit` movies; `next` is
   * null once nothing follows. Cost grows with movies, not events: one index query for the page's ids
   * (each movie has exactly one version-1 event) and one single-partition TOP 1 read per movie.
   */
  latestPage(page: { afterMovieId?: string; limit: number }): Promise<LatestPage>;
  /** How many movies there are (one version-1 event each): a progress total. */
  countMovies(): Promise<number>;
  /** Every movie's newest version, page by page (latestPage repeated): memory is one page, whatever the catalog. */
  scanLatest(options?: { afterMovieId?: string; batchSize?: number }): AsyncIterable<StoredEvent[]>;
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
  /**
   * One page of records, oldest record file/blob name first, after the position `after` (a previous
   * page's `next`; null once nothing follows). `limit` bounds the records read (blobs: the blobs read,
   * each holding one or more records), so listing and redrive stream whatever the store holds.
   */
  listPage(page: { after?: string; limit: number }): Promise<DeadLetterPage>;
  /** Every record (listPage until the end): for tests and small stores; operations page. */
  list(): Promise<DeadLetter[]>;
  remove(name: string): Promise<void>;
}

export interface DeadLetterPage {
  readonly items: DeadLetter[];
  readonly next: string | null;
}

/** Every page of a dead-letter store, in order. */
export async function* deadLetterPages(
  store: Pick<DeadLetterStore, 'listPage'>,
  limit = 100,
): AsyncIterable<DeadLetter[]> {
  let after: string | undefined;
  for (;;) {
    const page = await store.listPage({ ...(after === undefined ? {} : { after }), limit });
    if (page.items.length > 0) yield page.items;
    if (page.next === null) return;
    after = page.next;
  }
}

/** list() for any store: every page, collected. */
export async function listAllDeadLetters(store: Pick<DeadLetterStore, 'listPage'>): Promise<DeadLetter[]> {
  const out: DeadLetter[] = [];
  for await (const page of deadLetterPages(store)) out.push(...page);
  return out;
}

export type JobKind = 'rebuild' | 'verify' | 'redrive';
export type JobStatus = 'running' | 'succeeded' | 'failed';

/**
 * A long operation run in bounded steps (shared/operations/jobs.ts). The document is its checkpoint:
 * `state` is the operation's own plain-JSON state, saved after every step.
 */
export interface Job {
  readonly id: string;
  readonly kind: JobKind;
  readonly status: JobStatus;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly steps: number;
  readonly progress: { readonly phase: string; readonly done: number; readonly total?: number };
  readonly state: unknown;
  readonly result?: unknown;
  readonly error?: string;
  /** Consecutive failed steps (the job fails after a few). */
  readonly failures: number;
  /** Who runs the current step, until when (another runner leaves the job alone until then). */
  readonly lease?: { readonly owner: string; readonly until: string };
  /** What started it ('api', 'self-heal'). */
  readonly origin: string;
}

/** A named lock: held by one job until that job ends (`holder` is its id). */
export interface JobLock {
  readonly name: string;
  readonly holder: string;
  readonly takenAt: string;
}

/** A document with the version token its store compares on a conditional write (Cosmos `_etag`). */
export interface Versioned<T> {
  readonly value: T;
  readonly etag: string;
}

/**
 * Where jobs and their locks live: a Cosmos DB container in Azure (`jobs`, beside `events`), memory in
 * fast tests. Every change is conditional on the version read, so two instances never both win.
 */
export interface JobStore {
  init(): Promise<void>;
  /** Creates a job; false if the id exists. */
  create(job: Job): Promise<boolean>;
  get(id: string): Promise<Versioned<Job> | null>;
  /** Replaces the job if it is still at `etag`; the new etag, or null when someone else changed it. */
  replace(job: Job, etag: string): Promise<string | null>;
  /** Running jobs, oldest first, at most `limit`. */
  running(limit: number): Promise<Job[]>;
  getLock(name: string): Promise<Versioned<JobLock> | null>;
  /** Takes a free lock (false if it exists), or one at `etag` (false if it changed). */
  putLock(lock: JobLock, etag?: string): Promise<boolean>;
  /** Frees a lock if `holder` still holds it. */
  releaseLock(name: string, holder: string): Promise<void>;
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
  readonly jobs: JobStore;
  readonly clock: () => Date;
  readonly newId: () => string;
  readonly settings: {
    readonly cacheTtlSeconds: number;
    /** How long a search or suggest answer is cached: the staleness bound of cached searches. */
    readonly searchCacheTtlSeconds: number;
    readonly relayGraceSeconds: number;
    /** Movies (or dead-letter blobs) per job step. */
    readonly jobPageSize: number;
    /** Time a jobs tick spends stepping jobs before it leaves the rest to the next tick (0: one step each). */
    readonly jobTickSeconds: number;
  };
}

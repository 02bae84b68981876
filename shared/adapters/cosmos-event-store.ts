/**
 * EventStore on Cosmos DB NoSQL through the real @azure/cosmos SDK: container `events`, partition key
 * /movieId, one document per version with id `<movieId>:<version>`. A create of an existing id answers
 * 409, so two writers racing for one version cannot both win.
 */
import {
  CosmosClient,
  type Container,
  type ContainerDefinition,
  type IndexingPolicy,
  type SqlQuerySpec,
} from '@azure/cosmos';
import type { TokenCredential } from '@azure/core-auth';
import { mapBounded } from '../concurrency';
import { ConcurrencyConflictError } from '../errors';
import { eventId, type MovieEvent } from '../domain/events';
import { scanLatestPages, type DependencyStatus, type EventStore, type LatestPage, type StoredEvent } from '../ports';

/** Fits the queries below: point reads and per-movie version scans, the relay's dispatched/time scan. */
export const EVENTS_INDEXING_POLICY: IndexingPolicy = {
  indexingMode: 'consistent',
  automatic: true,
  includedPaths: [
    { path: '/movieId/?' },
    { path: '/version/?' },
    { path: '/dispatched/?' },
    { path: '/metadata/occurredAt/?' },
  ],
  excludedPaths: [{ path: '/*' }],
};

export const EVENTS_CONTAINER_DEFINITION = (id: string): ContainerDefinition => ({
  id,
  partitionKey: { paths: ['/movieId'] },
  indexingPolicy: EVENTS_INDEXING_POLICY,
});

/**
 * A client for the event store: with a key (embedded server or a local account; endpoint discovery
 * off) or with an Entra credential (the app's managed identity in Azure).
 */
export function cosmosClient(endpoint: string, auth: string | TokenCredential): CosmosClient {
  return typeof auth === 'string'
    ? new CosmosClient({ endpoint, key: auth, connectionPolicy: { enableEndpointDiscovery: false } })
    : new CosmosClient({ endpoint, aadCredentials: auth });
}

/** Single-partition reads in flight while a page resolves each movie's newest version. */
const LATEST_CONCURRENCY = 16;

type EventDocument = StoredEvent & {
  _rid?: string;
  _self?: string;
  _etag?: string;
  _ts?: number;
  _attachments?: string;
};

function strip(doc: EventDocument): StoredEvent {
  const { _rid, _self, _etag, _ts, _attachments, ...event } = doc;
  return event;
}

function statusOf(error: unknown): number | undefined {
  const code =
    (error as { code?: unknown; statusCode?: unknown }).code ?? (error as { statusCode?: unknown }).statusCode;
  return typeof code === 'number' ? code : undefined;
}

/** `op`'s answer, or `absent` when Cosmos DB answers 404 (no such document). */
async function unlessMissing<T>(op: () => Promise<T>, absent: T): Promise<T> {
  try {
    return await op();
  } catch (error) {
    if (statusOf(error) === 404) return absent;
    throw error;
  }
}

export interface CosmosEventStoreOptions {
  readonly client: CosmosClient;
  readonly database: string;
  readonly container: string;
  /**
   * The in-process server: health() reports 'embedded', and a page of newest versions is one query for the
   * page's movies (the server has no index: a query per movie would read every document each time).
   */
  readonly embedded?: boolean;
  /** Create database and container (locally). In Azure the Pulumi program creates them: data-plane RBAC cannot. */
  readonly createIfMissing?: boolean;
}

/** The store's queries. */
const SQL = {
  latest: (movieId: string): SqlQuerySpec => ({
    query: 'SELECT TOP 1 * FROM c WHERE c.movieId = @m ORDER BY c.version DESC',
    parameters: [{ name: '@m', value: movieId }],
  }),
  history: (movieId: string, limit: number, beforeVersion: number | undefined): SqlQuerySpec => ({
    query:
      `SELECT TOP ${Math.trunc(limit)} * FROM c WHERE c.movieId = @m AND c.version < @before` +
      ' ORDER BY c.version DESC',
    parameters: [
      { name: '@m', value: movieId },
      { name: '@before', value: beforeVersion ?? Number.MAX_SAFE_INTEGER },
    ],
  }),
  undispatched: (occurredBefore: string, limit: number): SqlQuerySpec => ({
    query:
      `SELECT TOP ${Math.trunc(limit)} * FROM c WHERE c.dispatched = false AND c.metadata.occurredAt < @t` +
      ' ORDER BY c.metadata.occurredAt ASC',
    parameters: [{ name: '@t', value: occurredBefore }],
  }),
  movieIds: (afterMovieId: string | undefined, limit: number): SqlQuerySpec => ({
    query:
      `SELECT TOP ${Math.max(1, Math.trunc(limit))} c.movieId FROM c WHERE c.version = 1 AND c.movieId > @after` +
      ' ORDER BY c.movieId ASC',
    parameters: [{ name: '@after', value: afterMovieId ?? '' }],
  }),
  /** Every event of the given movies (the embedded server's page read: one query instead of one per movie). */
  eventsOf: (movieIds: readonly string[]): SqlQuerySpec => ({
    query: 'SELECT * FROM c WHERE ARRAY_CONTAINS(@ids, c.movieId)',
    parameters: [{ name: '@ids', value: [...movieIds] }],
  }),
  countMovies: 'SELECT VALUE COUNT(1) FROM c WHERE c.version = 1',
  eventsSince: (since: string): SqlQuerySpec => ({
    query: 'SELECT * FROM c WHERE c.metadata.occurredAt >= @t ORDER BY c.metadata.occurredAt ASC',
    parameters: [{ name: '@t', value: since }],
  }),
};

/** How the store reads: a query's results (in one partition when given), page by page, a movie's newest version. */
function reader(container: Container) {
  async function query(spec: SqlQuerySpec, partitionKey?: string): Promise<StoredEvent[]> {
    const { resources } = await container.items
      .query<EventDocument>(spec, partitionKey === undefined ? {} : { partitionKey })
      .fetchAll();
    return resources.map(strip);
  }

  async function* pages(spec: SqlQuerySpec, batchSize: number): AsyncIterable<StoredEvent[]> {
    const iterator = container.items.query<EventDocument>(spec, { maxItemCount: batchSize });
    while (iterator.hasMoreResults()) {
      const { resources } = await iterator.fetchNext();
      if (resources.length > 0) yield resources.map(strip);
    }
  }

  async function latest(movieId: string): Promise<StoredEvent | null> {
    const [newest] = await query(SQL.latest(movieId), movieId);
    return newest ?? null;
  }

  return { query, pages, latest };
}

/**
 * One keyset page of every movie's newest version. Each movie has exactly one version-1 event: the page's
 * ids come from the index, in movieId order (a keyset, no OFFSET), then each movie's newest version from
 * its own partition.
 */
async function readLatestPage(
  { container, query, latest }: ReturnType<typeof reader> & { container: Container },
  embedded: boolean,
  { afterMovieId, limit }: { afterMovieId?: string; limit: number },
): Promise<LatestPage> {
  const { resources } = await container.items.query<{ movieId: string }>(SQL.movieIds(afterMovieId, limit)).fetchAll();
  const ids = resources.map((r) => r.movieId);
  const items = embedded
    ? newestOfEach(ids, await query(SQL.eventsOf(ids)))
    : (await mapBounded(ids, LATEST_CONCURRENCY, latest)).filter((e): e is StoredEvent => e !== null);
  return { items, next: ids.length >= limit ? (ids.at(-1) ?? null) : null };
}

/**
 * The newest event of each movie of `ids`, in their order. For the embedded server, which evaluates a query
 * against every document of the container: one query per page, not one per movie (a local rebuild of the
 * seed catalog would otherwise take minutes). Memory is the page's events.
 */
function newestOfEach(ids: readonly string[], events: readonly StoredEvent[]): StoredEvent[] {
  const newest = new Map<string, StoredEvent>();
  for (const e of events) if ((newest.get(e.movieId)?.version ?? 0) < e.version) newest.set(e.movieId, e);
  return ids.flatMap((id) => newest.get(id) ?? []);
}

export function createCosmosEventStore(options: CosmosEventStoreOptions): EventStore {
  const { client } = options;
  const container: Container = client.database(options.database).container(options.container);

  const read = reader(container);
  const { query, pages, latest } = read;

  const store: EventStore = {
    async init() {
      if (!options.createIfMissing) return;
      const { database } = await client.databases.createIfNotExists({ id: options.database });
      await database.containers.createIfNotExists(EVENTS_CONTAINER_DEFINITION(options.container));
    },

    async append(event: MovieEvent) {
      const { movieId, version } = event.metadata;
      const doc: StoredEvent = { ...event, id: eventId(movieId, version), movieId, version, dispatched: false };
      try {
        await container.items.create(doc);
      } catch (error) {
        if (statusOf(error) === 409) throw new ConcurrencyConflictError(movieId, version);
        throw error;
      }
      return doc;
    },

    latest,

    get: (movieId, version) =>
      unlessMissing(async () => {
        const { resource } = await container.item(eventId(movieId, version), movieId).read<EventDocument>();
        return resource ? strip(resource) : null;
      }, null),

    async history(movieId, page) {
      return query(SQL.history(movieId, page.limit, page.beforeVersion), movieId);
    },

    async undispatched(occurredBefore, limit) {
      return query(SQL.undispatched(occurredBefore, limit));
    },

    async markDispatched({ movieId, version }) {
      // One partial update, no read first: setting true twice is harmless, and a missing event has nothing to mark.
      const event = container.item(eventId(movieId, version), movieId);
      await unlessMissing<unknown>(() => event.patch([{ op: 'set', path: '/dispatched', value: true }]), null);
    },

    latestPage: (page) => readLatestPage({ ...read, container }, options.embedded ?? false, page),

    async countMovies() {
      const { resources } = await container.items.query<number>(SQL.countMovies).fetchAll();
      return resources.reduce((a, b) => a + b, 0);
    },

    scanLatest(scan) {
      return scanLatestPages(store, scan);
    },

    async *eventsSince(since, batchSize = 500) {
      yield* pages(SQL.eventsSince(since), batchSize);
    },

    health: (): Promise<DependencyStatus> =>
      container.read().then(
        () => (options.embedded ? 'embedded' : 'up'),
        () => 'down',
      ),
  };
  return store;
}

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
import { scanLatestPages, type DependencyStatus, type EventStore, type StoredEvent } from '../ports';

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

export interface CosmosEventStoreOptions {
  readonly client: CosmosClient;
  readonly database: string;
  readonly container: string;
  /** Reported by health(): the in-process server is 'embedded'. */
  readonly embedded?: boolean;
  /** Create database and container (locally). In Azure the Pulumi program creates them: data-plane RBAC cannot. */
  readonly createIfMissing?: boolean;
}

export function createCosmosEventStore(options: CosmosEventStoreOptions): EventStore {
  const { client } = options;
  const container: Container = client.database(options.database).container(options.container);

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
    const [newest] = await query(
      {
        query: 'SELECT TOP 1 * FROM c WHERE c.movieId = @m ORDER BY c.version DESC',
        parameters: [{ name: '@m', value: movieId }],
      },
      movieId,
    );
    return newest ?? null;
  }

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

    async get(movieId, version) {
      try {
        const { resource } = await container.item(eventId(movieId, version), movieId).read<EventDocument>();
        return resource ? strip(resource) : null;
      } catch (error) {
        if (statusOf(error) === 404) return null;
        throw error;
      }
    },

    async history(movieId, page) {
      const parameters = [
        { name: '@m', value: movieId },
        { name: '@before', value: page.beforeVersion ?? Number.MAX_SAFE_INTEGER },
      ];
      return query(
        {
          query: `SELECT TOP ${Math.trunc(page.limit)} * FROM c WHERE c.movieId = @m AND c.version < @before ORDER BY c.version DESC`,
          parameters,
        },
        movieId,
      );
    },

    async undispatched(occurredBefore, limit) {
      return query({
        query: `SELECT TOP ${Math.trunc(limit)} * FROM c WHERE c.dispatched = false AND c.metadata.occurredAt < @t ORDER BY c.metadata.occurredAt ASC`,
        parameters: [{ name: '@t', value: occurredBefore }],
      });
    },

    async markDispatched({ movieId, version }) {
      // One partial update, no read first: setting true twice is harmless, and a missing event has nothing to mark.
      try {
        await container
          .item(eventId(movieId, version), movieId)
          .patch([{ op: 'set', path: '/dispatched', value: true }]);
      } catch (error) {
        if (statusOf(error) === 404) return;
        throw error;
      }
    },

    async latestPage({ afterMovieId, limit }) {
      // Each movie has exactly one version-1 event: the page's ids come from the index, in movieId order
      // (a keyset, no OFFSET), then each movie's newest version from its own partition.
      const { resources } = await container.items
        .query<{ movieId: string }>({
          query: `SELECT TOP ${Math.max(1, Math.trunc(limit))} c.movieId FROM c WHERE c.version = 1 AND c.movieId > @after ORDER BY c.movieId ASC`,
          parameters: [{ name: '@after', value: afterMovieId ?? '' }],
        })
        .fetchAll();
      const ids = resources.map((r) => r.movieId);
      const items = (await mapBounded(ids, LATEST_CONCURRENCY, latest)).filter((e): e is StoredEvent => e !== null);
      return { items, next: ids.length >= limit ? (ids.at(-1) ?? null) : null };
    },

    async countMovies() {
      const { resources } = await container.items
        .query<number>('SELECT VALUE COUNT(1) FROM c WHERE c.version = 1')
        .fetchAll();
      return resources.reduce((a, b) => a + b, 0);
    },

    scanLatest(scan) {
      return scanLatestPages(store, scan);
    },

    async *eventsSince(since, batchSize = 500) {
      yield* pages(
        {
          query: 'SELECT * FROM c WHERE c.metadata.occurredAt >= @t ORDER BY c.metadata.occurredAt ASC',
          parameters: [{ name: '@t', value: since }],
        },
        batchSize,
      );
    },

    async health(): Promise<DependencyStatus> {
      try {
        await container.read();
        return options.embedded ? 'embedded' : 'up';
      } catch {
        return 'down';
      }
    },
  };
  return store;
}

/**
 * JobStore on Cosmos DB: container `jobs` (partition key /id) beside `events`. A job and a lock are each
 * one document; every change is a replace with If-Match on the `_etag` read (or a create, which answers
 * 409 when the id exists), so two Functions instances never both take a lock or run one step twice.
 */
import type { Container, ContainerDefinition, CosmosClient } from '@azure/cosmos';
import type { Job, JobLock, JobStore, Versioned } from '../ports';

export const JOBS_CONTAINER_DEFINITION = (id: string): ContainerDefinition => ({
  id,
  partitionKey: { paths: ['/id'] },
});

type Doc<T> = T & {
  id: string;
  type: 'job' | 'lock';
  _etag?: string;
  _rid?: string;
  _self?: string;
  _ts?: number;
  _attachments?: string;
};

const lockId = (name: string) => `lock:${name}`;

function statusOf(error: unknown): number | undefined {
  const code =
    (error as { code?: unknown; statusCode?: unknown }).code ?? (error as { statusCode?: unknown }).statusCode;
  return typeof code === 'number' ? code : undefined;
}

function strip<T>(doc: Doc<T>): T {
  const { _etag, _rid, _self, _ts, _attachments, type: _type, ...rest } = doc;
  return rest as unknown as T;
}

export interface CosmosJobStoreOptions {
  readonly client: CosmosClient;
  readonly database: string;
  readonly container: string;
  readonly createIfMissing?: boolean;
}

/** The conditional document operations the store is made of: a read with its ETag, a create, a replace on an ETag. */
function documents(container: Container) {
  async function read<T>(id: string): Promise<Versioned<Doc<T>> | null> {
    try {
      const { resource } = await container.item(id, id).read<Doc<T>>();
      return resource?._etag ? { value: resource, etag: resource._etag } : null;
    } catch (error) {
      if (statusOf(error) === 404) return null;
      throw error;
    }
  }

  async function create(doc: Doc<unknown>): Promise<boolean> {
    try {
      await container.items.create(doc);
      return true;
    } catch (error) {
      if (statusOf(error) === 409) return false;
      throw error;
    }
  }

  async function replace(doc: Doc<unknown>, etag: string): Promise<string | null> {
    try {
      const { resource } = await container
        .item(doc.id, doc.id)
        .replace(doc, { accessCondition: { type: 'IfMatch', condition: etag } });
      return (resource as { _etag?: string } | undefined)?._etag ?? null;
    } catch (error) {
      if (statusOf(error) === 412 || statusOf(error) === 404) return null;
      throw error;
    }
  }

  return { read, create, replace };
}

export function createCosmosJobStore(options: CosmosJobStoreOptions): JobStore {
  const container: Container = options.client.database(options.database).container(options.container);

  const { read, create, replace } = documents(container);

  return {
    async init() {
      if (!options.createIfMissing) return;
      const { database } = await options.client.databases.createIfNotExists({ id: options.database });
      await database.containers.createIfNotExists(JOBS_CONTAINER_DEFINITION(options.container));
    },
    create: (job) => create({ ...job, type: 'job' }),
    async get(id) {
      if (id.startsWith('lock:')) return null;
      const found = await read<Job>(id);
      return found ? { value: strip(found.value), etag: found.etag } : null;
    },
    replace: (job, etag) => replace({ ...job, type: 'job' }, etag),
    async running(limit) {
      const { resources } = await container.items
        .query<Doc<Job>>({
          query: `SELECT TOP ${Math.max(1, Math.trunc(limit))} * FROM c WHERE c.type = 'job' AND c.status = 'running' ORDER BY c.createdAt ASC`,
        })
        .fetchAll();
      return resources.map((d) => strip(d));
    },
    async getLock(name) {
      const found = await read<JobLock>(lockId(name));
      return found
        ? { value: { name, holder: found.value.holder, takenAt: found.value.takenAt }, etag: found.etag }
        : null;
    },
    async putLock(lock, etag) {
      const doc: Doc<JobLock> = { id: lockId(lock.name), type: 'lock', ...lock };
      return etag === undefined ? create(doc) : (await replace(doc, etag)) !== null;
    },
    async releaseLock(name, holder) {
      const found = await read<JobLock>(lockId(name));
      if (!found || found.value.holder !== holder) return;
      try {
        await container
          .item(lockId(name), lockId(name))
          .delete({ accessCondition: { type: 'IfMatch', condition: found.etag } });
      } catch (error) {
        if (statusOf(error) !== 412 && statusOf(error) !== 404) throw error;
      }
    },
  };
}

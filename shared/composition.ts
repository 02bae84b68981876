/**
 * The composition root: builds the adapters named by the configuration and wires them into `Deps`.
 * The Azure host uses `azureDeps()` (created on first invocation); the local host and the tests call
 * `createDeps()` with their own configuration and overrides.
 */
import { randomUUID } from 'node:crypto';
import type { TokenCredential } from '@azure/core-auth';
import { ConfigError, loadConfig, type Config } from './config';
import { createMemoryCache } from './adapters/memory-cache';
import { createFileDeadLetterStore } from './adapters/file-dead-letters';
import { createCosmosJobStore } from './adapters/cosmos-job-store';
import { createMemoryJobStore } from './adapters/memory-job-store';
import type { Deps, Logger } from './ports';
import type { ReadStore } from './read-model/port';

export interface ServiceDescription {
  readonly port: 'write store' | 'topic' | 'read store' | 'cache' | 'dead letters' | 'telemetry';
  readonly kind: string;
  readonly target: string;
}

export interface Composition {
  readonly deps: Deps;
  readonly services: readonly ServiceDescription[];
  close(): Promise<void>;
}

export interface CompositionOptions {
  /** 'azure' refuses to fall back to embedded stores; 'local' may (the local host supplies them). */
  readonly mode: 'azure' | 'local';
  readonly logger: Logger;
  /** Set by the local host for its in-process services. */
  readonly embedded?: { readonly cosmos?: boolean; readonly topic?: boolean };
  readonly overrides?: Partial<Deps>;
}

async function managedIdentity(config: Config): Promise<TokenCredential> {
  const { DefaultAzureCredential } = await import('@azure/identity');
  return new DefaultAzureCredential(config.azureClientId ? { managedIdentityClientId: config.azureClientId } : {});
}

/** Entra tokens for Azure Managed Redis, from the app's managed identity. */
async function redisTokens(config: Config): Promise<() => Promise<{ token: string; expiresOnTimestamp: number }>> {
  const credential = await managedIdentity(config);
  return async () => {
    const token = await credential.getToken('https://redis.azure.com/.default');
    if (!token) throw new Error('no token for Azure Managed Redis');
    return token;
  };
}

/** What runs without waiting for the initialisation: the initialisation itself, and what must answer while it fails. */
const UNGATED: ReadonlySet<PropertyKey> = new Set(['init', 'health', 'close']);

/**
 * The store, initialised (index and alias created) before its first use, retried until that succeeds.
 * Every method but those above waits for it, whatever the port declares: a method added to ReadStore is
 * gated without a change here.
 */
export function initOnDemand(store: ReadStore): ReadStore {
  let ready: Promise<void> | undefined;
  const ensure = (): Promise<void> =>
    (ready ??= store.init().catch((error: unknown) => {
      ready = undefined;
      throw error;
    }));
  return new Proxy(store, {
    get(target, name) {
      if (name === 'init') return ensure;
      const member: unknown = Reflect.get(target, name);
      if (typeof member !== 'function') return member;
      if (UNGATED.has(name)) return member.bind(target);
      return (...args: unknown[]) => afterInit(ensure, () => member.apply(target, args));
    },
  });
}

/**
 * `call` once `ensure` has succeeded. The answer serves both shapes a method can have: awaited, it is the
 * promise of the method's answer; iterated (`for await`), it yields the items of the stream the method
 * returns (`scan`).
 */
function afterInit(ensure: () => Promise<void>, call: () => unknown): Promise<unknown> & AsyncIterable<unknown> {
  const answer = ensure().then(call);
  return Object.assign(answer, {
    async *[Symbol.asyncIterator]() {
      yield* (await answer) as AsyncIterable<unknown>;
    },
  });
}

function redact(url: string): string {
  const u = new URL(url);
  u.username = '';
  u.password = '';
  u.search = '';
  return u.toString().replace(/\/$/, '');
}

export async function createDeps(config: Config, options: CompositionOptions): Promise<Composition> {
  const { mode, logger, overrides = {} } = options;
  const missing = (name: string) => new ConfigError([`${name}: required in Azure`]);
  const services: ServiceDescription[] = [];
  const closers: Array<() => Promise<void>> = [];

  let eventStore = overrides.eventStore;
  let jobs = overrides.jobs;
  if (!eventStore) {
    if (!config.cosmos.endpoint) throw missing('COSMOS_ENDPOINT');
    // Every SDK loads on first use, here, never when a function module is required (cold start).
    const { cosmosClient, createCosmosEventStore } = await import('./adapters/cosmos-event-store.js');
    const client = cosmosClient(
      config.cosmos.endpoint,
      config.cosmos.key ? config.cosmos.key : await managedIdentity(config),
    );
    closers.push(async () => client.dispose());
    eventStore = createCosmosEventStore({
      client,
      database: config.cosmos.database,
      container: config.cosmos.container,
      embedded: options.embedded?.cosmos,
      createIfMissing: mode === 'local',
    });
    await eventStore.init();
    if (!jobs) {
      jobs = createCosmosJobStore({
        client,
        database: config.cosmos.database,
        container: config.cosmos.jobsContainer,
        createIfMissing: mode === 'local',
      });
      await jobs.init();
    }
    services.push({
      port: 'write store',
      kind: options.embedded?.cosmos ? 'embedded Cosmos DB server' : 'Cosmos DB',
      target: `${redact(config.cosmos.endpoint)} db=${config.cosmos.database} container=${config.cosmos.container}`,
    });
  }

  let publisher = overrides.publisher;
  if (!publisher) {
    if (!config.eventGrid.endpoint) throw missing('EVENTGRID_TOPIC_ENDPOINT');
    const { createEventGridPublisher } = await import('./adapters/eventgrid-publisher.js');
    publisher = createEventGridPublisher({
      endpoint: config.eventGrid.endpoint,
      key: config.eventGrid.key,
      credential: config.eventGrid.key ? undefined : await managedIdentity(config),
      embedded: options.embedded?.topic,
    });
    services.push({
      port: 'topic',
      kind: options.embedded?.topic ? 'local Event Grid topic' : 'Event Grid',
      target: redact(config.eventGrid.endpoint),
    });
  }

  let readStore = overrides.readStore;
  if (!readStore) {
    let store: ReadStore;
    // Adapters load on demand: a cold start pays only for the clients it uses.
    if (config.elasticsearch.url) {
      const { createElasticsearchReadStore } = await import('./read-model/elasticsearch.js');
      const { url, apiKey, username, password, index } = config.elasticsearch;
      store = createElasticsearchReadStore({ node: url, apiKey, username, password, alias: index });
      services.push({
        port: 'read store',
        kind: 'Elasticsearch',
        target: `${redact(config.elasticsearch.url)} alias=${config.elasticsearch.index}`,
      });
    } else if (mode === 'local') {
      const { createEmbeddedReadStore } = await import('./read-model/embedded.js');
      store = createEmbeddedReadStore();
      services.push({ port: 'read store', kind: 'embedded full-text store (MiniSearch)', target: 'in-process' });
    } else {
      throw missing('ELASTICSEARCH_URL');
    }
    closers.push(() => store.close());
    readStore = store;
  }
  readStore = initOnDemand(readStore);
  // A read store that is down at start-up must not stop the commands: it is initialised on first use.
  await readStore
    .init()
    .catch((error: Error) => logger.warn(`read store not ready (${error.message}); queries answer 503 until it is`));

  let cache = overrides.cache;
  if (!cache) {
    const c = config.redis.url
      ? (await import('./adapters/redis-cache.js')).createRedisCache({
          url: config.redis.url,
          password: config.redis.password,
          username: config.redis.username,
          tokens: config.redis.auth === 'entra' ? await redisTokens(config) : undefined,
          timeoutMs: config.redis.timeoutMs,
          logger,
        })
      : createMemoryCache();
    services.push(
      config.redis.url
        ? { port: 'cache', kind: 'Redis', target: redact(config.redis.url) }
        : { port: 'cache', kind: 'in-process cache (no REDIS_URL)', target: 'in-process' },
    );
    closers.push(() => c.close());
    cache = c;
  }

  let deadLetters = overrides.deadLetters;
  if (!deadLetters) {
    if (config.deadLetter.blobUrl) {
      const { createBlobDeadLetterStore } = await import('./adapters/blob-dead-letters.js');
      deadLetters = createBlobDeadLetterStore(config.deadLetter.blobUrl, await managedIdentity(config));
      services.push({ port: 'dead letters', kind: 'Blob container', target: redact(config.deadLetter.blobUrl) });
    } else {
      deadLetters = createFileDeadLetterStore(config.deadLetter.dir);
      services.push({ port: 'dead letters', kind: 'local folder', target: config.deadLetter.dir });
    }
  }

  // With an overridden event store (tests) the jobs live beside it, in memory, unless given.
  jobs ??= createMemoryJobStore();

  const deps: Deps = {
    eventStore,
    jobs,
    publisher,
    readStore,
    cache,
    deadLetters,
    clock: overrides.clock ?? (() => new Date()),
    newId: overrides.newId ?? (() => randomUUID()),
    settings: overrides.settings ?? {
      cacheTtlSeconds: config.cacheTtlSeconds,
      searchCacheTtlSeconds: config.searchCacheTtlSeconds,
      relayGraceSeconds: config.relay.graceSeconds,
      jobPageSize: config.jobs.pageSize,
      jobTickSeconds: config.jobs.tickSeconds,
    },
  };
  return {
    deps,
    services,
    async close() {
      for (const close of closers.reverse()) await close().catch(() => undefined);
    },
  };
}

let azure: Promise<Deps> | undefined;

/** The Azure host's dependencies: configuration read once, adapters built on first invocation. */
export function azureDeps(): Promise<Deps> {
  azure ??= (async () => {
    const config = loadConfig();
    const { startTelemetry } = await import('./telemetry.js');
    await startTelemetry(config);
    return (await createDeps(config, { mode: 'azure', logger: console })).deps;
  })();
  azure.catch(() => {
    azure = undefined;
  });
  return azure;
}

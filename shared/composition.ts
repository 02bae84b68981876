/**
 * The composition root: builds the adapters named by the configuration and wires them into `Deps`.
 * The Azure host uses `azureDeps()` (made on the first invocation, each port built on its first use, so an
 * invocation loads only the SDKs it needs); the local host and the tests call `createDeps()` with their own
 * configuration and overrides.
 */
import { randomUUID } from 'node:crypto';
import type { TokenCredential } from '@azure/core-auth';
import type { CosmosClient } from '@azure/cosmos';
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
  const ensure = once(() => store.init());
  return new Proxy(store, {
    get(target, name) {
      if (name === 'init') return ensure;
      const member: unknown = Reflect.get(target, name);
      if (typeof member !== 'function') return member;
      const method = member as (...args: unknown[]) => unknown;
      if (UNGATED.has(name)) return method.bind(target);
      return (...args: unknown[]) => afterReady(ensure, () => method.apply(target, args));
    },
  });
}

/**
 * A port whose adapter is built on its first use: the Azure host's (`azureDeps`), so an invocation loads
 * the SDKs of the ports it uses and no other. Every method waits for the build (retried until it
 * succeeds); `known` members (the `kind` the configuration already decides) answer without it; `close`
 * builds nothing; and the port is no thenable, so awaiting it builds nothing either.
 */
export function onFirstUse<T extends object>(build: () => Promise<T>, known: Partial<T> = {}): T {
  const adapter = once(build);
  let started = false;
  const ensure = () => {
    started = true;
    return adapter();
  };
  return new Proxy(known, {
    get(target, name) {
      if (Object.hasOwn(target, name)) return Reflect.get(target, name);
      if (name === 'then' || typeof name === 'symbol') return undefined;
      if (name === 'close')
        return async () => {
          if (!started) return;
          const built = (await adapter().catch(() => undefined)) as { close?: () => Promise<void> } | undefined;
          await built?.close?.();
        };
      return (...args: unknown[]) =>
        afterReady(ensure, (built) => (built as Record<string, (...a: unknown[]) => unknown>)[name]!(...args));
    },
  }) as T;
}

/** `start` run once and shared; a failed run is forgotten, so the next call tries again. */
function once<T>(start: () => Promise<T>): () => Promise<T> {
  let running: Promise<T> | undefined;
  return () =>
    (running ??= start().catch((error: unknown) => {
      running = undefined;
      throw error;
    }));
}

/**
 * `call` once `ready` has succeeded. The answer serves both shapes a method can have: awaited, it is the
 * promise of the method's answer; iterated (`for await`), it yields the items of the stream the method
 * returns (`scan`).
 */
function afterReady<T>(
  ready: () => Promise<T>,
  call: (value: T) => unknown,
): Promise<unknown> & AsyncIterable<unknown> {
  const answer = ready().then(call);
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

/** Everything an entry of the table may read: the configuration, the options, and the shared Cosmos client. */
interface BuildContext {
  readonly config: Config;
  readonly options: CompositionOptions;
  /** The Cosmos DB client the write store and the jobs share: made on first use, disposed on close. */
  readonly cosmos: () => Promise<CosmosClient>;
  /** The error for a setting Azure requires. */
  readonly missing: (name: string) => ConfigError;
}

/** An adapter a table entry built, with what releases it (a given override is its giver's to close). */
interface Built<T> {
  readonly adapter: T;
  readonly close?: () => Promise<void>;
}

/** How one port is provided when the overrides do not give it. */
interface PortEntry<K extends keyof Deps> {
  /** Builds the adapter the configuration names. Its SDK is imported here, on first use (cold start). */
  build(context: BuildContext): Promise<Built<Deps[K]>>;
  /** The banner line of what `build` built (none: described with another port). */
  describe(context: BuildContext): ServiceDescription | undefined;
  /** Readies the port, built or given, for the functions. */
  ready?(port: Deps[K], context: BuildContext): Promise<Deps[K]>;
  /** What the configuration alone says of the port (answered before it is built on first use). */
  known?(context: BuildContext): Partial<Deps[K]>;
}

type AdapterPort = 'eventStore' | 'jobs' | 'publisher' | 'readStore' | 'cache' | 'deadLetters';

/** The ports, in the order they are built (and the reverse of the order they are closed). */
const PORTS: { readonly [K in AdapterPort]: PortEntry<K> } = {
  eventStore: {
    async build({ config, options, cosmos }) {
      const { createCosmosEventStore } = await import('./adapters/cosmos-event-store.js');
      const store = createCosmosEventStore({
        client: await cosmos(),
        database: config.cosmos.database,
        container: config.cosmos.container,
        embedded: options.embedded?.cosmos,
        createIfMissing: options.mode === 'local',
      });
      await store.init();
      return { adapter: store };
    },
    describe: ({ config, options }) => ({
      port: 'write store',
      kind: options.embedded?.cosmos ? 'embedded Cosmos DB server' : 'Cosmos DB',
      target: `${redact(config.cosmos.endpoint!)} db=${config.cosmos.database} container=${config.cosmos.container}`,
    }),
  },
  jobs: {
    async build({ config, options, cosmos }) {
      // With an overridden event store (tests) the jobs live beside it, in memory.
      if (options.overrides?.eventStore) return { adapter: createMemoryJobStore() };
      const jobs = createCosmosJobStore({
        client: await cosmos(),
        database: config.cosmos.database,
        container: config.cosmos.jobsContainer,
        createIfMissing: options.mode === 'local',
      });
      await jobs.init();
      return { adapter: jobs };
    },
    describe: () => undefined, // beside the events, in the write store
  },
  publisher: {
    async build({ config, options, missing }) {
      if (!config.eventGrid.endpoint) throw missing('EVENTGRID_TOPIC_ENDPOINT');
      const { createEventGridPublisher } = await import('./adapters/eventgrid-publisher.js');
      const publisher = createEventGridPublisher({
        endpoint: config.eventGrid.endpoint,
        key: config.eventGrid.key,
        credential: config.eventGrid.key ? undefined : await managedIdentity(config),
        embedded: options.embedded?.topic,
      });
      return { adapter: publisher };
    },
    describe: ({ config, options }) => ({
      port: 'topic',
      kind: options.embedded?.topic ? 'local Event Grid topic' : 'Event Grid',
      target: redact(config.eventGrid.endpoint!),
    }),
  },
  readStore: {
    async build({ config, options, missing }) {
      let store: ReadStore;
      if (config.elasticsearch.url) {
        const { createElasticsearchReadStore } = await import('./read-model/elasticsearch.js');
        const { url, apiKey, username, password, index } = config.elasticsearch;
        store = createElasticsearchReadStore({ node: url, apiKey, username, password, alias: index });
      } else if (options.mode === 'local') {
        const { createEmbeddedReadStore } = await import('./read-model/embedded.js');
        store = createEmbeddedReadStore();
      } else {
        throw missing('ELASTICSEARCH_URL');
      }
      return { adapter: store, close: () => store.close() };
    },
    describe: ({ config }) =>
      config.elasticsearch.url
        ? {
            port: 'read store',
            kind: 'Elasticsearch',
            target: `${redact(config.elasticsearch.url)} alias=${config.elasticsearch.index}`,
          }
        : { port: 'read store', kind: 'embedded full-text store (MiniSearch)', target: 'in-process' },
    known: ({ config }) => ({ kind: config.elasticsearch.url ? 'elasticsearch' : 'embedded' }),
    async ready(store, { options }) {
      const ready = initOnDemand(store);
      // A read store that is down at start-up must not stop the commands: it is initialised on first use.
      await ready
        .init()
        .catch((error: Error) =>
          options.logger.warn(`read store not ready (${error.message}); queries answer 503 until it is`),
        );
      return ready;
    },
  },
  cache: {
    async build({ config, options }) {
      const cache = config.redis.url
        ? (await import('./adapters/redis-cache.js')).createRedisCache({
            url: config.redis.url,
            password: config.redis.password,
            username: config.redis.username,
            tokens: config.redis.auth === 'entra' ? await redisTokens(config) : undefined,
            timeoutMs: config.redis.timeoutMs,
            logger: options.logger,
          })
        : createMemoryCache();
      return { adapter: cache, close: () => cache.close() };
    },
    describe: ({ config }) =>
      config.redis.url
        ? { port: 'cache', kind: 'Redis', target: redact(config.redis.url) }
        : { port: 'cache', kind: 'in-process cache (no REDIS_URL)', target: 'in-process' },
    known: ({ config }) => ({ kind: config.redis.url ? 'redis' : 'memory' }),
  },
  deadLetters: {
    async build({ config }) {
      if (!config.deadLetter.blobUrl) return { adapter: createFileDeadLetterStore(config.deadLetter.dir) };
      const { createBlobDeadLetterStore } = await import('./adapters/blob-dead-letters.js');
      return { adapter: createBlobDeadLetterStore(config.deadLetter.blobUrl, await managedIdentity(config)) };
    },
    describe: ({ config }) =>
      config.deadLetter.blobUrl
        ? { port: 'dead letters', kind: 'Blob container', target: redact(config.deadLetter.blobUrl) }
        : { port: 'dead letters', kind: 'local folder', target: config.deadLetter.dir },
  },
};

/** The Cosmos client of the configuration, made once, on first use; its disposal joins `closers`. */
function sharedCosmosClient(config: Config, missing: BuildContext['missing'], closers: Array<() => Promise<void>>) {
  let client: Promise<CosmosClient> | undefined;
  return (): Promise<CosmosClient> =>
    (client ??= (async () => {
      if (!config.cosmos.endpoint) throw missing('COSMOS_ENDPOINT');
      // Every SDK loads on first use, here, never when a function module is required (cold start).
      const { cosmosClient } = await import('./adapters/cosmos-event-store.js');
      const made = cosmosClient(config.cosmos.endpoint, config.cosmos.key || (await managedIdentity(config)));
      closers.push(async () => made.dispose());
      return made;
    })());
}

export async function createDeps(config: Config, options: CompositionOptions): Promise<Composition> {
  const overrides = options.overrides ?? {};
  const services: ServiceDescription[] = [];
  const closers: Array<() => Promise<void>> = [];
  const missing = (name: string) => new ConfigError([`${name}: required in Azure`]);
  const context: BuildContext = { config, options, missing, cosmos: sharedCosmosClient(config, missing, closers) };

  async function build<K extends AdapterPort>(entry: PortEntry<K>): Promise<Deps[K]> {
    const built = await entry.build(context);
    if (built.close) closers.push(built.close);
    const service = entry.describe(context);
    if (service) services.push(service);
    return built.adapter;
  }
  async function provide<K extends AdapterPort>(port: K): Promise<Deps[K]> {
    const entry: PortEntry<K> = PORTS[port];
    const given: Deps[K] | undefined = overrides[port];
    const adapter = given ?? (await build(entry));
    return entry.ready ? entry.ready(adapter, context) : adapter;
  }

  // In Azure each port is built on its first use; locally all are built now (the banner lists them, and a
  // store that cannot start shows at start-up).
  const port = <K extends AdapterPort>(name: K): Deps[K] | Promise<Deps[K]> =>
    options.mode === 'azure' ? onFirstUse<Deps[K]>(() => provide(name), PORTS[name].known?.(context)) : provide(name);
  const adapters: Pick<Deps, AdapterPort> = {
    eventStore: await port('eventStore'),
    jobs: await port('jobs'),
    publisher: await port('publisher'),
    readStore: await port('readStore'),
    cache: await port('cache'),
    deadLetters: await port('deadLetters'),
  };
  const deps: Deps = {
    ...adapters,
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

/** The Azure host's dependencies: configuration read once, on the first invocation; each adapter built on its first use. */
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

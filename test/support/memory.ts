/**
 * The application on in-memory ports, for the unit tier: the in-memory event store, publisher, cache and
 * dead-letter store, the embedded read store, a clock the test moves, and switches that make a port
 * fail the way its real server does. Every port here passes its adapter's contract (test/contracts).
 */
import { HttpRequest, InvocationContext, type HttpRequestInit } from '@azure/functions';
import { createMemoryCache } from '../../shared/adapters/memory-cache';
import { createMemoryJobStore } from '../../shared/adapters/memory-job-store';
import { createMemoryDeadLetterStore } from '../../shared/adapters/memory-dead-letters';
import { createMemoryEventStore } from '../../shared/adapters/memory-event-store';
import { createMemoryPublisher, type MemoryPublisher } from '../../shared/adapters/memory-publisher';
import { CacheUnavailableError, type Cache, type Deps, type EventStore, type Logger } from '../../shared/ports';
import { createEmbeddedReadStore } from '../../shared/read-model/embedded';
import { ReadStoreUnavailableError, type ReadStore } from '../../shared/read-model/port';
import { invokeHttp, type HttpFunctionDefinition } from '../../shared/registry';

/** A cache whose server can go away: every operation then throws CacheUnavailableError. */
export interface SwitchableCache extends Cache {
  down: boolean;
}

export function switchableCache(inner: Cache): SwitchableCache {
  const guard =
    <A extends unknown[], R>(op: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      if (cache.down) throw new CacheUnavailableError('injected: cache server unreachable');
      return op(...args);
    };
  const cache: SwitchableCache = {
    kind: inner.kind,
    down: false,
    get: guard((key: string) => inner.get(key)),
    set: guard((key: string, value: string, ttl: number) => inner.set(key, value, ttl)),
    del: guard((keys: readonly string[]) => inner.del(keys)),
    getVersioned: guard((key: string) => inner.getVersioned(key)),
    putVersioned: guard((key: string, version: number, value: string | null, ttl: number) =>
      inner.putVersioned(key, version, value, ttl),
    ),
    health: async () => (cache.down ? 'down' : inner.health()),
    close: () => inner.close(),
  };
  return cache;
}

/** A read store that can be down (ReadStoreUnavailableError) and counts its calls. */
export interface SwitchableReadStore extends ReadStore {
  down: boolean;
  readonly calls: { apply: number; get: number; search: number };
}

export function switchableReadStore(inner: ReadStore): SwitchableReadStore {
  const unavailable = () => new ReadStoreUnavailableError('injected: read store unreachable');
  const store: SwitchableReadStore = {
    ...inner,
    kind: inner.kind,
    down: false,
    calls: { apply: 0, get: 0, search: 0 },
    async apply(entries, options) {
      store.calls.apply++;
      if (store.down) throw unavailable();
      return inner.apply(entries, options);
    },
    async get(id) {
      store.calls.get++;
      if (store.down) throw unavailable();
      return inner.get(id);
    },
    async search(query) {
      store.calls.search++;
      if (store.down) throw unavailable();
      return inner.search(query);
    },
  };
  return store;
}

/** An event store whose markDispatched can fail (a write that did not land). */
export type TestEventStore = EventStore & { failMarkDispatched: boolean; appends: number };

function testEventStore(inner: EventStore): TestEventStore {
  const store: TestEventStore = {
    ...inner,
    failMarkDispatched: false,
    appends: 0,
    async append(event) {
      store.appends++;
      return inner.append(event);
    },
    async markDispatched(event) {
      if (store.failMarkDispatched) throw new Error('injected: could not mark dispatched');
      return inner.markDispatched(event);
    },
  };
  return store;
}

export interface CapturedLogger extends Logger {
  readonly lines: { level: 'log' | 'warn' | 'error'; text: string }[];
}

export function capturedLogger(): CapturedLogger {
  const lines: CapturedLogger['lines'] = [];
  const text = (args: unknown[]) => args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ');
  return {
    lines,
    log: (...args) => lines.push({ level: 'log', text: text(args) }),
    warn: (...args) => lines.push({ level: 'warn', text: text(args) }),
    error: (...args) => lines.push({ level: 'error', text: text(args) }),
  };
}

export interface MemoryApp {
  readonly deps: Deps;
  readonly eventStore: TestEventStore;
  readonly publisher: MemoryPublisher;
  readonly readStore: SwitchableReadStore;
  readonly cache: SwitchableCache;
  readonly log: CapturedLogger;
  /** Sets the clock (ISO instant). */
  setNow(iso: string): void;
}

export const T0 = '2026-03-01T12:00:00.000Z';

export async function memoryApp(
  options: { now?: string; cacheTtlSeconds?: number; searchCacheTtlSeconds?: number; relayGraceSeconds?: number } = {},
): Promise<MemoryApp> {
  let now = new Date(options.now ?? T0);
  const readStore = switchableReadStore(createEmbeddedReadStore());
  await readStore.init();
  const eventStore = testEventStore(createMemoryEventStore());
  const publisher = createMemoryPublisher();
  const cache = switchableCache(createMemoryCache(10_000, () => now.getTime()));
  let ids = 0;
  const deps: Deps = {
    eventStore,
    publisher,
    readStore,
    cache,
    deadLetters: createMemoryDeadLetterStore(),
    jobs: createMemoryJobStore(),
    clock: () => new Date(now),
    newId: () => `id${++ids}`,
    settings: {
      cacheTtlSeconds: options.cacheTtlSeconds ?? 60,
      searchCacheTtlSeconds: options.searchCacheTtlSeconds ?? 10,
      relayGraceSeconds: options.relayGraceSeconds ?? 30,
      jobPageSize: 2,
      jobTickSeconds: 0,
    },
  };
  return {
    deps,
    eventStore,
    publisher,
    readStore,
    cache,
    log: capturedLogger(),
    setNow: (iso) => void (now = new Date(iso)),
  };
}

export function invocationContext(name = 'unit'): InvocationContext {
  return new InvocationContext({ functionName: name, invocationId: 'inv-unit', logHandler: () => undefined });
}

export interface Answer {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: unknown;
}

/** Calls an HTTP function as either host does (handler, then the one problem mapper) and reads the answer. */
export async function call(definition: HttpFunctionDefinition, deps: Deps, init: HttpRequestInit): Promise<Answer> {
  const response = await invokeHttp(definition, new HttpRequest(init), invocationContext(definition.name), deps);
  const headers = Object.fromEntries(
    Object.entries((response.headers as Record<string, string> | undefined) ?? {}).map(([k, v]) => [
      k.toLowerCase(),
      String(v),
    ]),
  );
  const body =
    response.jsonBody !== undefined
      ? response.jsonBody
      : typeof response.body === 'string'
        ? headers['content-type']?.includes('json')
          ? JSON.parse(response.body)
          : response.body
        : undefined;
  return { status: response.status ?? 200, headers, body };
}

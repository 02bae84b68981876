/**
 * Chaos helpers: an Elasticsearch of the suite's own (stoppable and restartable on its port, never the
 * shared one), a read store that fails a chosen fraction of its writes, and a metrics recorder that
 * reads the app's own counters (relay re-publishes, dead letters, commands by outcome).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { createNoopMeter, metrics, type Attributes, type Counter, type Meter } from '@opentelemetry/api';
import { ReadStoreUnavailableError, type ReadStore } from '../../shared/read-model/port';
import { keyedRandom, mulberry32 } from '../../shared/local/keyed-random';
import { ES_VERSION, elasticsearchUnavailableReason } from './elasticsearch';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '..', '..');
const SCRIPT = path.join(ROOT, 'scripts', 'es.sh');

/**
 * Null when this suite can run an Elasticsearch of its own. ELASTICSEARCH_URL (a shared server) is not
 * enough: the suite stops and restarts its node, so it needs the distribution in .cache/.
 */
export function ownElasticsearchUnavailableReason(): string | null {
  const home = path.join(ROOT, '.cache', `elasticsearch-${ES_VERSION}`);
  if (!existsSync(path.join(home, 'bin', 'elasticsearch')) && !existsSync(`${home}.zip`)) {
    return `.cache/ holds no elasticsearch-${ES_VERSION} for a node of the suite's own (run scripts/es.sh fetch)`;
  }
  const saved = process.env.ELASTICSEARCH_URL;
  delete process.env.ELASTICSEARCH_URL;
  try {
    return elasticsearchUnavailableReason();
  } finally {
    if (saved !== undefined) process.env.ELASTICSEARCH_URL = saved;
  }
}

export interface OwnElasticsearch {
  readonly url: string;
  readonly port: number;
  /** Starts (or restarts) the node on its port; its data survives a stop. Resolves once healthy. */
  start(): Promise<void>;
  /** Stops the node, keeping its data. */
  stop(): Promise<void>;
  /** Stops the node and deletes its data. */
  purge(): Promise<void>;
}

export async function startOwnElasticsearch(port: number): Promise<OwnElasticsearch> {
  const es: OwnElasticsearch = {
    url: `http://127.0.0.1:${port}`,
    port,
    async start() {
      try {
        await run('bash', [SCRIPT, 'start', String(port)], { timeout: 150_000 });
      } catch (err) {
        const detail = err as { stderr?: string; message: string };
        throw new Error(`could not start Elasticsearch on port ${port}: ${detail.stderr || detail.message}`);
      }
    },
    async stop() {
      await run('bash', [SCRIPT, 'stop', String(port)], { timeout: 60_000 });
    },
    async purge() {
      await run('bash', [SCRIPT, 'stop', String(port), '--purge'], { timeout: 60_000 });
    },
  };
  try {
    await es.start();
  } catch (error) {
    await es.purge().catch(() => undefined);
    throw error;
  }
  return es;
}

/** Makes recent writes searchable every `interval` (the index default is 1 s). */
export async function setRefreshInterval(url: string, alias: string, interval: string): Promise<void> {
  const res = await fetch(`${url}/${alias}/_settings`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ index: { refresh_interval: interval } }),
  });
  if (!res.ok) throw new Error(`PUT ${alias}/_settings: ${res.status} ${await res.text()}`);
}

export interface FlakyReadStore extends ReadStore {
  /** Fraction of apply() calls that throw ReadStoreUnavailableError before reaching the store. */
  failRate: number;
  readonly injected: { applies: number; failures: number };
}

/**
 * Wraps a read store so a fraction of projector writes fail as if the store were unreachable. With a seed,
 * the nth write of one event version (`<id>:<version>`) fails or not the same way in every run.
 */
export function flakyReadStore(inner: ReadStore, seed?: number): FlakyReadStore {
  const injected = { applies: 0, failures: 0 };
  const keyed = seed === undefined ? undefined : keyedRandom(seed);
  const random = (entries: Parameters<ReadStore['apply']>[0]) => {
    const first = entries[0];
    const key = first
      ? first.kind === 'movie'
        ? `${first.movie.id}:${first.movie.version}`
        : `${first.id}:${first.version}`
      : '';
    return keyed ? keyed('projector-failure', key) : Math.random();
  };
  const store: FlakyReadStore = {
    kind: inner.kind,
    failRate: 0,
    injected,
    init: () => inner.init(),
    async apply(entries, options) {
      injected.applies++;
      if (store.failRate > 0 && random(entries) < store.failRate) {
        injected.failures++;
        throw new ReadStoreUnavailableError('chaos: injected read-store failure');
      }
      return inner.apply(entries, options);
    },
    get: (id) => inner.get(id),
    search: (query) => inner.search(query),
    suggest: (query) => inner.suggest(query),
    scan: (batchSize) => inner.scan(batchSize),
    refresh: () => inner.refresh(),
    health: () => inner.health(),
    newIndexName: () => inner.newIndexName(),
    createIndex: (name) => inner.createIndex(name),
    swapAlias: (index) => inner.swapAlias(index),
    deleteIndex: (index) => inner.deleteIndex(index),
    currentIndex: () => inner.currentIndex(),
    close: () => inner.close(),
  };
  return store;
}

export interface RecordedMetrics {
  /** Sum of a counter, optionally only where `attribute` has `value`. */
  sum(name: string, attribute?: string, value?: string): number;
  /** Sums of a counter grouped by the values of one attribute. */
  by(name: string, attribute: string): Record<string, number>;
  uninstall(): void;
}

/** Installs a global meter provider that records the app's counters in memory. */
export function recordMetrics(): RecordedMetrics {
  const points: Array<{ name: string; value: number; attributes: Attributes }> = [];
  const base = createNoopMeter();
  const meter: Meter = Object.assign(Object.create(base) as Meter, {
    createCounter(name: string): Counter {
      return {
        add(value: number, attributes: Attributes = {}) {
          points.push({ name, value, attributes });
        },
      };
    },
  });
  metrics.disable();
  metrics.setGlobalMeterProvider({ getMeter: () => meter });
  return {
    sum(name, attribute, value) {
      return points
        .filter((p) => p.name === name && (attribute === undefined || String(p.attributes[attribute]) === value))
        .reduce((total, p) => total + p.value, 0);
    },
    by(name, attribute) {
      const out: Record<string, number> = {};
      for (const p of points.filter((q) => q.name === name)) {
        const key = String(p.attributes[attribute]);
        out[key] = (out[key] ?? 0) + p.value;
      }
      return out;
    },
    uninstall() {
      metrics.disable();
    },
  };
}

/** A small seeded PRNG (mulberry32), so a failing run's command sequence can be replayed. */
export const seededRandom = mulberry32;

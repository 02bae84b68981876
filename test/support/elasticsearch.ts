/**
 * A real Elasticsearch for integration tests:
 * - ELASTICSEARCH_URL set: that server;
 * - else, the distribution in .cache/ (scripts/es.sh fetch): a private node on a free port, stopped and
 *   removed afterwards;
 * - else a reason for `unavailable('Elasticsearch', reason)`.
 * Every test run gets its own alias prefix, so suites sharing a server never see each other's indices.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client } from '@elastic/elasticsearch';

const run = promisify(execFile);

export const ES_VERSION = '8.19.21';
const ROOT = path.resolve(__dirname, '..', '..');
const CACHE = path.join(ROOT, '.cache');
const SCRIPT = path.join(ROOT, 'scripts', 'es.sh');

export interface ElasticsearchServer {
  readonly url: string;
  /** True when this process started the node (and stop() will remove it). */
  readonly private: boolean;
  stop(): Promise<void>;
}

/** null when a server can be had; otherwise why not. Synchronous, for use at collection time. */
export function elasticsearchUnavailableReason(): string | null {
  if (process.env.ELASTICSEARCH_URL) return null;
  const unpacked = existsSync(path.join(CACHE, `elasticsearch-${ES_VERSION}`, 'bin', 'elasticsearch'));
  const zipped = existsSync(path.join(CACHE, `elasticsearch-${ES_VERSION}.zip`));
  if (!unpacked && !zipped) {
    return `ELASTICSEARCH_URL is not set and .cache/ holds no elasticsearch-${ES_VERSION} (run scripts/es.sh fetch)`;
  }
  if (!hasJava17()) return 'no Java 17 JDK under /usr/lib/jvm to run it';
  return null;
}

function hasJava17(): boolean {
  const jvm = '/usr/lib/jvm';
  if (!existsSync(jvm)) return false;
  return readdirSync(jvm).some((d) => d.includes('17') && existsSync(path.join(jvm, d, 'bin', 'java')));
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** Connects to ELASTICSEARCH_URL or starts a private node (allow up to ~2 minutes). */
export async function startElasticsearch(): Promise<ElasticsearchServer> {
  const external = process.env.ELASTICSEARCH_URL;
  if (external) return { url: external.replace(/\/+$/, ''), private: false, stop: async () => {} };

  const port = await freePort();
  const stop = async (): Promise<void> => {
    await run('bash', [SCRIPT, 'stop', String(port), '--purge']);
  };
  try {
    const { stdout } = await run('bash', [SCRIPT, 'start', String(port)], { timeout: 150_000 });
    const url = stdout.trim().split('\n').pop() ?? `http://127.0.0.1:${port}`;
    return { url, private: true, stop };
  } catch (err) {
    await stop().catch(() => undefined);
    const detail = err as { stderr?: string; message: string };
    throw new Error(`could not start a private Elasticsearch on port ${port}: ${detail.stderr || detail.message}`);
  }
}

/** A lower-case alias prefix unique to this run (Elasticsearch index names must be lower case). */
export function uniqueIndexPrefix(label = 't'): string {
  return `${label}-${process.pid.toString(36)}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`.toLowerCase();
}

/** Deletes every index whose name starts with `prefix` (by name: wildcard deletes are refused by default). */
export async function deleteIndicesWithPrefix(url: string, prefix: string): Promise<void> {
  const client = new Client({ node: url });
  try {
    const indices = Object.keys(await client.indices.get({ index: `${prefix}*`, expand_wildcards: 'all' }));
    if (indices.length > 0) await client.indices.delete({ index: indices });
  } finally {
    await client.close();
  }
}

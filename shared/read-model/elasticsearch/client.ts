/** The Elasticsearch client of a store, and the cluster health the store reports. */
import { Client } from '@elastic/elasticsearch';

export interface ClientOptions {
  readonly node: string;
  readonly apiKey?: string;
  /** Basic auth (a file-realm user of the read-store container), when there is no API key. */
  readonly username?: string;
  readonly password?: string;
  readonly requestTimeoutMs?: number;
  /** Client-level retries on connection errors and 502/503/504 (default 1: callers retry on their own). */
  readonly maxRetries?: number;
}

/** An API key if given, else basic auth if both parts are given, else none. */
export function createClient(opts: ClientOptions): Client {
  return new Client({
    node: opts.node,
    ...(opts.apiKey
      ? { auth: { apiKey: opts.apiKey } }
      : opts.username && opts.password
        ? { auth: { username: opts.username, password: opts.password } }
        : {}),
    requestTimeout: opts.requestTimeoutMs ?? 10_000,
    maxRetries: opts.maxRetries ?? 1,
  });
}

/** 'down' when the cluster is red or does not answer within 2 s (no retry: a health probe must be quick). */
export async function clusterHealth(client: Client): Promise<'up' | 'down'> {
  try {
    const res = await client.cluster.health({}, { requestTimeout: 2_000, maxRetries: 0 });
    return res.status === 'red' ? 'down' : 'up';
  } catch {
    return 'down';
  }
}

/**
 * Cache on Redis through ioredis. Every command is bounded (commandTimeout, no offline queue, no
 * per-request retries) so a Redis outage turns into a fast CacheUnavailableError that callers degrade on.
 */
import { Redis } from 'ioredis';
import { CacheUnavailableError, type Cache, type DependencyStatus, type Logger } from '../ports';

export interface RedisCacheOptions {
  readonly url: string;
  readonly password?: string;
  readonly timeoutMs: number;
  readonly keyPrefix?: string;
  readonly logger?: Logger;
}

export function createRedisCache(options: RedisCacheOptions): Cache {
  const redis = new Redis(options.url, {
    password: options.password,
    keyPrefix: options.keyPrefix,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: options.timeoutMs,
    connectTimeout: Math.max(options.timeoutMs, 1000),
    retryStrategy: (attempt) => Math.min(attempt * 100, 2000),
    lazyConnect: false,
  });
  let lastErrorLog = 0;
  redis.on('error', (error: Error) => {
    // Reconnects go on in the background; log at most every 5 s.
    if (Date.now() - lastErrorLog > 5000) {
      lastErrorLog = Date.now();
      options.logger?.warn(`redis: ${error.message} (cache degraded, answering from the read store)`);
    }
  });

  async function run<T>(what: string, command: () => Promise<T>): Promise<T> {
    try {
      return await command();
    } catch (error) {
      throw new CacheUnavailableError(`redis ${what}: ${(error as Error).message}`, { cause: error });
    }
  }

  return {
    kind: 'redis',
    get: (key) => run('GET', () => redis.get(key)),
    set: (key, value, ttlSeconds) => run('SET', async () => void (await redis.set(key, value, 'EX', ttlSeconds))),
    del: (keys) => run('DEL', async () => void (keys.length > 0 ? await redis.del(...keys) : 0)),
    incr: (key) => run('INCR', () => redis.incr(key)),
    async health(): Promise<DependencyStatus> {
      try {
        await redis.ping();
        return 'up';
      } catch {
        return 'down';
      }
    },
    async close() {
      redis.disconnect();
    },
  };
}

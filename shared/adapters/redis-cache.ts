/**
 * Cache on Redis through ioredis. Every command is bounded (commandTimeout, no offline queue, no
 * per-request retries) so a Redis outage turns into a fast CacheUnavailableError that callers degrade on.
 */
import { Redis } from 'ioredis';
import { CacheUnavailableError, type Cache, type DependencyStatus, type Logger } from '../ports';
import { decodeVersioned } from './memory-cache';

/**
 * Cache.putVersioned in one round trip (EVALSHA; ioredis falls back to EVAL once when the server does not
 * know the script yet). Values are `<version>:<value>`, a floor is `<version>:`. One key, so it runs on a
 * clustered Redis too. Same rule as replacesVersioned in ../ports.
 */
const PUT_VERSIONED = `
local current = redis.call('GET', KEYS[1])
local version = tonumber(ARGV[1])
if current then
  local sep = string.find(current, ':', 1, true)
  local held = sep and tonumber(string.sub(current, 1, sep - 1))
  if held then
    if held > version then return 0 end
    if held == version and (sep < #current or ARGV[2] == '') then return 0 end
  end
end
redis.call('SET', KEYS[1], ARGV[1] .. ':' .. ARGV[2], 'EX', ARGV[3])
return 1
`;

type ScriptedRedis = Redis & {
  putVersioned(key: string, version: number, value: string, ttlSeconds: number): Promise<number>;
};

/** A source of short-lived passwords (Entra access tokens) and when each expires. */
export type TokenSource = () => Promise<{ token: string; expiresOnTimestamp: number }>;

export interface RedisCacheOptions {
  readonly url: string;
  readonly password?: string;
  readonly username?: string;
  /** Entra auth: the password is a token, renewed (re-AUTH) before it expires. */
  readonly tokens?: TokenSource;
  readonly timeoutMs: number;
  readonly keyPrefix?: string;
  readonly logger?: Logger;
}

/**
 * Entra auth: the password is a token, renewed (re-AUTH, and kept for every reconnect) before it expires;
 * the client connects once the first token is there. Returns what stops the renewal.
 */
function authenticateWithTokens(
  redis: ScriptedRedis,
  tokens: TokenSource,
  options: Pick<RedisCacheOptions, 'username' | 'logger'>,
): () => void {
  let renewal: NodeJS.Timeout | undefined;
  const renew = async (): Promise<void> => {
    const { token, expiresOnTimestamp } = await tokens();
    redis.options.password = token; // used by every reconnect
    if (redis.status === 'ready') await redis.call('AUTH', options.username ?? 'default', token);
    const inMs = Math.max(60_000, expiresOnTimestamp - Date.now() - 5 * 60_000);
    renewal = setTimeout(
      () => void renew().catch((e: Error) => options.logger?.warn(`redis: token renewal failed: ${e.message}`)),
      inMs,
    );
    renewal.unref();
  };
  void renew()
    .then(() => redis.connect())
    .catch((e: Error) => options.logger?.warn(`redis: could not connect with Entra auth: ${e.message}`));
  return () => clearTimeout(renewal);
}

export function createRedisCache(options: RedisCacheOptions): Cache {
  const redis = new Redis(options.url, {
    password: options.password,
    username: options.username,
    lazyConnect: options.tokens !== undefined,
    keyPrefix: options.keyPrefix,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: options.timeoutMs,
    connectTimeout: Math.max(options.timeoutMs, 1000),
    retryStrategy: (attempt) => Math.min(attempt * 100, 2000),
  }) as ScriptedRedis;
  redis.defineCommand('putVersioned', { numberOfKeys: 1, lua: PUT_VERSIONED });
  const stopRenewal = options.tokens ? authenticateWithTokens(redis, options.tokens, options) : () => undefined;
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
    getVersioned: (key) => run('GET', async () => decodeVersioned(await redis.get(key))),
    putVersioned: (key, version, value, ttlSeconds) =>
      run('EVALSHA', async () => void (await redis.putVersioned(key, version, value ?? '', ttlSeconds))),
    async health(): Promise<DependencyStatus> {
      try {
        await redis.ping();
        return 'up';
      } catch {
        return 'down';
      }
    },
    async close() {
      stopRenewal();
      redis.disconnect();
    },
  };
}

/** The Redis cache adapter passes the cache contract against a redis-server of the test's own, outage included. */
import { describe } from 'vitest';
import { createRedisCache } from '../../shared/adapters/redis-cache';
import { cacheContract } from '../contracts/cache';
import { redisUnavailableReason, startTestRedis } from '../support/redis';
import { unavailable } from '../support/services';

describe.skipIf(unavailable('Redis', redisUnavailableReason()))('Redis cache adapter', () => {
  cacheContract(
    'Redis',
    async () => {
      const redis = await startTestRedis();
      const cache = createRedisCache({ url: redis.url, timeoutMs: 500 });
      const close = cache.close.bind(cache);
      // The adapter connects in the background and queues nothing offline: wait until it is ready.
      for (let i = 0; (await cache.health()) !== 'up'; i++) {
        if (i > 200) throw new Error('the Redis adapter did not connect');
        await new Promise((r) => setTimeout(r, 50));
      }
      return {
        cache: { ...cache, kind: cache.kind, close: async () => (await close(), await redis.stop()) },
        health: 'up',
        outage: { stop: () => redis.stop(), start: () => redis.start() },
      };
    },
    { server: true },
  );
});

/** In-process cache for local runs without Redis: TTLs honoured, size bounded (oldest entries go first). */
import type { Cache } from '../ports';

export function createMemoryCache(maxEntries = 10_000, now: () => number = Date.now): Cache {
  const entries = new Map<string, { value: string; expiresAt: number }>();
  return {
    kind: 'memory',
    async get(key) {
      const entry = entries.get(key);
      if (!entry) return null;
      if (entry.expiresAt <= now()) {
        entries.delete(key);
        return null;
      }
      return entry.value;
    },
    async set(key, value, ttlSeconds) {
      entries.delete(key);
      entries.set(key, { value, expiresAt: now() + ttlSeconds * 1000 });
      if (entries.size > maxEntries) entries.delete(entries.keys().next().value as string);
    },
    async del(keys) {
      for (const key of keys) entries.delete(key);
    },
    async incr(key) {
      // Counters never expire (as in Redis, an INCR key has no TTL). No await between read and write:
      // concurrent increments must not read the same value (the contract's 20 concurrent INCRs).
      const entry = entries.get(key);
      const next = Number(entry && entry.expiresAt > now() ? entry.value : '0') + 1;
      entries.delete(key);
      entries.set(key, { value: String(next), expiresAt: Number.POSITIVE_INFINITY });
      return next;
    },
    async health() {
      return 'embedded';
    },
    async close() {
      entries.clear();
    },
  };
}

/** In-process cache for local runs without Redis: TTLs honoured, size bounded (oldest entries go first). */
import { replacesVersioned, type Cache, type VersionedEntry } from '../ports';

/** The layout of a versioned entry, in Redis and here: `<version>:<value>`, an empty value for a floor. */
export function decodeVersioned(raw: string | null): VersionedEntry | null {
  if (raw === null) return null;
  const sep = raw.indexOf(':');
  const version = Number(raw.slice(0, sep));
  if (sep < 1 || !Number.isSafeInteger(version)) return null;
  return { version, value: sep === raw.length - 1 ? null : raw.slice(sep + 1) };
}

export function createMemoryCache(maxEntries = 10_000, now: () => number = Date.now): Cache {
  const entries = new Map<string, { value: string; expiresAt: number }>();
  const read = (key: string): string | null => {
    const entry = entries.get(key);
    if (!entry) return null;
    if (entry.expiresAt <= now()) {
      entries.delete(key);
      return null;
    }
    return entry.value;
  };
  const write = (key: string, value: string, ttlSeconds: number): void => {
    entries.delete(key);
    entries.set(key, { value, expiresAt: now() + ttlSeconds * 1000 });
    if (entries.size > maxEntries) entries.delete(entries.keys().next().value as string);
  };
  return {
    kind: 'memory',
    async get(key) {
      return read(key);
    },
    async set(key, value, ttlSeconds) {
      write(key, value, ttlSeconds);
    },
    async del(keys) {
      for (const key of keys) entries.delete(key);
    },
    async getVersioned(key) {
      return decodeVersioned(read(key));
    },
    async putVersioned(key, version, value, ttlSeconds) {
      // No await between the check and the write: one step, as the Lua script is in Redis.
      if (replacesVersioned(decodeVersioned(read(key)), version, value))
        write(key, `${version}:${value ?? ''}`, ttlSeconds);
    },
    async health() {
      return 'embedded';
    },
    async close() {
      entries.clear();
    },
  };
}

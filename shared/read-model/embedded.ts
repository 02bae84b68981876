/**
 * The read model in memory, for local runs without Elasticsearch: a Map of documents per physical index
 * (same external-version rule), MiniSearch for full text, and the shared query semantics from
 * ./search-semantics. The units live in ./embedded/; this module composes them.
 */
import type { ReadStore } from './port';
import { assertValidEntry } from './search-semantics';
import { applyEntry, copy } from './embedded/physical-index';
import { searchIndex, scanIndex, suggestIndex } from './embedded/reads';
import { indexRegistry } from './embedded/registry';

export function createEmbeddedReadStore(options: { alias?: string } = {}): ReadStore {
  const registry = indexRegistry(options.alias ?? 'movies');
  const aliased = () => registry.aliased();
  return {
    kind: 'embedded',
    async init() {
      if (registry.current() === null) {
        const first = registry.nextName();
        registry.create(first);
        registry.swap(first);
      }
    },
    async apply(entries, opts) {
      entries.forEach(assertValidEntry);
      const index = opts?.index === undefined ? registry.aliased() : registry.named(opts.index);
      return entries.map((entry) => applyEntry(index, entry));
    },
    async get(id) {
      const entry = registry.aliased().docs.get(id);
      return entry ? copy(entry) : null;
    },
    search: async (query) => searchIndex(aliased, query),
    suggest: async (query) => suggestIndex(aliased, query),
    async *scan(batchSize, afterId) {
      yield* scanIndex(aliased, batchSize, afterId);
    },
    async refresh() {},
    health: async () => 'up',
    newIndexName: async () => registry.nextName(),
    createIndex: async (name) => registry.create(name),
    swapAlias: async (index) => registry.swap(index),
    deleteIndex: async (index) => registry.drop(index),
    currentIndex: async () => registry.current(),
    async close() {},
  };
}

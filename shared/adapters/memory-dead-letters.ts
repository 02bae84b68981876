/** DeadLetterStore in memory: one record per put under a unique name, listed oldest first. */
import type { DeadLetter, DeadLetterStore } from '../ports';

export function createMemoryDeadLetterStore(): DeadLetterStore {
  const records = new Map<string, DeadLetter>();
  let counter = 0;
  return {
    async put(entry) {
      counter++;
      const name = `${entry.deadLetteredAt.replace(/[:.]/g, '-')}-${entry.subscription}-${String(counter).padStart(8, '0')}.json`;
      const record: DeadLetter = { name, ...structuredClone(entry) };
      records.set(name, record);
      return structuredClone(record);
    },
    async list() {
      return [...records.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)).map((r) => structuredClone(r));
    },
    async remove(name) {
      records.delete(name);
    },
  };
}

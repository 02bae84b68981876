/** DeadLetterStore in memory: one record per put under a unique name, listed oldest first. */
import { listAllDeadLetters, type DeadLetter, type DeadLetterStore } from '../ports';

export function createMemoryDeadLetterStore(): DeadLetterStore {
  const records = new Map<string, DeadLetter>();
  let counter = 0;
  const store: DeadLetterStore = {
    async put(entry) {
      counter++;
      const name = `${entry.deadLetteredAt.replace(/[:.]/g, '-')}-${entry.subscription}-${String(counter).padStart(8, '0')}.json`;
      const record: DeadLetter = { name, ...structuredClone(entry) };
      records.set(name, record);
      return structuredClone(record);
    },
    async listPage({ after, limit }) {
      const names = [...records.keys()].filter((n) => after === undefined || n > after).sort();
      const chosen = names.slice(0, Math.max(1, Math.trunc(limit)));
      return {
        items: chosen.map((n) => structuredClone(records.get(n)!)),
        next: names.length > chosen.length ? (chosen.at(-1) ?? null) : null,
      };
    },
    list: () => listAllDeadLetters(store),
    async remove(name) {
      records.delete(name);
    },
  };
  return store;
}

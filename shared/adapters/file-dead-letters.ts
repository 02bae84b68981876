/** DeadLetterStore in a local folder: one JSON file per undeliverable event, with the reason. */
import { randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { listAllDeadLetters, type DeadLetter, type DeadLetterStore } from '../ports';

export function createFileDeadLetterStore(dir: string): DeadLetterStore {
  const store: DeadLetterStore = {
    async put(entry) {
      await mkdir(dir, { recursive: true });
      const safeId = entry.event.id.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 80);
      const name = `${entry.deadLetteredAt.replace(/[:.]/g, '-')}-${entry.subscription}-${safeId}-${randomUUID().slice(0, 8)}.json`;
      const record: DeadLetter = { name, ...entry };
      await writeFile(join(dir, name), `${JSON.stringify(record, null, 2)}\n`, { flag: 'wx' });
      return record;
    },
    async listPage({ after, limit }) {
      let names: string[];
      try {
        // Names only (a few bytes each) are listed whole to sort them; the records are read one page at a time.
        names = (await readdir(dir)).filter((n) => n.endsWith('.json') && (after === undefined || n > after)).sort();
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { items: [], next: null };
        throw error;
      }
      const chosen = names.slice(0, Math.max(1, Math.trunc(limit)));
      const items: DeadLetter[] = [];
      for (const name of chosen) {
        try {
          items.push({ ...(JSON.parse(await readFile(join(dir, name), 'utf8')) as DeadLetter), name });
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error; // removed meanwhile
        }
      }
      return { items, next: names.length > chosen.length ? (chosen.at(-1) ?? null) : null };
    },
    list: () => listAllDeadLetters(store),
    async remove(name) {
      if (!/^[A-Za-z0-9_.-]+\.json$/.test(name)) throw new Error(`not a dead-letter name: ${name}`);
      await rm(join(dir, name), { force: true });
    },
  };
  return store;
}

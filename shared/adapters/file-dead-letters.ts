/** DeadLetterStore in a local folder: one JSON file per undeliverable event, with the reason. */
import { randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { listAllDeadLetters, type DeadLetter, type DeadLetterStore } from '../ports';

/**
 * The first `limit` record names after `after`, in order, and whether more follow. At most `limit + 1`
 * names are kept (no sort of the whole folder), so what outlives the listing is one page's names.
 */
export function firstNames(
  names: Iterable<string>,
  after: string | undefined,
  limit: number,
): { names: string[]; more: boolean } {
  const kept: string[] = [];
  for (const name of names) {
    if (!name.endsWith('.json') || (after !== undefined && name <= after)) continue;
    if (kept.length > limit && name >= kept[limit]!) continue;
    let lo = 0;
    let hi = kept.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (kept[mid]! < name) lo = mid + 1;
      else hi = mid;
    }
    kept.splice(lo, 0, name);
    if (kept.length > limit + 1) kept.pop();
  }
  return { names: kept.slice(0, limit), more: kept.length > limit };
}

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
      const size = Math.max(1, Math.trunc(limit));
      let first: { names: string[]; more: boolean };
      try {
        // The folder's names come in one call (a directory has no position to list from), but only one
        // page of them is kept: the whole list is garbage before the first record is read. (Held across
        // the page's reads, it was promoted to the old generation on every page.)
        first = firstNames(await readdir(dir), after, size);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { items: [], next: null };
        throw error;
      }
      const chosen = first.names;
      const items: DeadLetter[] = [];
      for (const name of chosen) {
        try {
          items.push({ ...(JSON.parse(await readFile(join(dir, name), 'utf8')) as DeadLetter), name });
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error; // removed meanwhile
        }
      }
      return { items, next: first.more ? (chosen.at(-1) ?? null) : null };
    },
    list: () => listAllDeadLetters(store),
    async remove(name) {
      if (!/^[A-Za-z0-9_.-]+\.json$/.test(name)) throw new Error(`not a dead-letter name: ${name}`);
      await rm(join(dir, name), { force: true });
    },
  };
  return store;
}

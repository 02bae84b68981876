/** DeadLetterStore in a local folder: one JSON file per undeliverable event, with the reason. */
import { randomUUID } from 'node:crypto';
import { mkdir, opendir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { listAllDeadLetters, type DeadLetter, type DeadLetterStore } from '../ports';

/**
 * The first `limit` record names after `after`, in order, and whether more follow, from a folder read as a
 * stream: at most `limit + 1` names are held, whatever the number of files (the folder is never listed
 * whole, so a page's memory does not grow with the dead letters).
 */
export async function firstNames(
  folder: Promise<AsyncIterable<{ readonly name: string }>>,
  after: string | undefined,
  limit: number,
): Promise<{ names: string[]; more: boolean }> {
  const kept: string[] = [];
  for await (const { name } of await folder) {
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
        first = await firstNames(opendir(dir), after, size);
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

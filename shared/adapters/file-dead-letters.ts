/** DeadLetterStore in a local folder: one JSON file per undeliverable event, with the reason. */
import { randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DeadLetter, DeadLetterStore } from '../ports';

export function createFileDeadLetterStore(dir: string): DeadLetterStore {
  return {
    async put(entry) {
      await mkdir(dir, { recursive: true });
      const safeId = entry.event.id.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 80);
      const name = `${entry.deadLetteredAt.replace(/[:.]/g, '-')}-${entry.subscription}-${safeId}-${randomUUID().slice(0, 8)}.json`;
      const record: DeadLetter = { name, ...entry };
      await writeFile(join(dir, name), `${JSON.stringify(record, null, 2)}\n`, { flag: 'wx' });
      return record;
    },
    async list() {
      let names: string[];
      try {
        names = (await readdir(dir)).filter((n) => n.endsWith('.json')).sort();
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
        throw error;
      }
      const records = await Promise.all(
        names.map(async (name) => ({ ...(JSON.parse(await readFile(join(dir, name), 'utf8')) as DeadLetter), name })),
      );
      return records;
    },
    async remove(name) {
      if (!/^[A-Za-z0-9_.-]+\.json$/.test(name)) throw new Error(`not a dead-letter name: ${name}`);
      await rm(join(dir, name), { force: true });
    },
  };
}

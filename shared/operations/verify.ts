/**
 * The convergence check: every movie's newest version in the write store against its read-store entry
 * (version and fields; a tombstone for a deleted movie), and every read-store entry against the write
 * store. Zero differences means the read side has converged.
 */
import { isDeepStrictEqual } from 'node:util';
import type { Deps } from '../ports';
import { entryOfStored } from '../read-model/projection';
import type { ReadEntry } from '../read-model/port';

export interface Difference {
  readonly id: string;
  readonly problem: 'missing' | 'version' | 'fields' | 'should-be-tombstone' | 'should-be-live' | 'orphan';
  readonly expectedVersion?: number;
  readonly actualVersion?: number;
}

export interface VerifyReport {
  readonly checked: number;
  readonly tombstones: number;
  readonly differences: Difference[];
}

const versionOf = (e: ReadEntry) => (e.kind === 'movie' ? e.movie.version : e.version);

export function compareEntries(id: string, expected: ReadEntry, actual: ReadEntry | null): Difference | null {
  if (!actual) return { id, problem: 'missing', expectedVersion: versionOf(expected) };
  if (versionOf(actual) !== versionOf(expected)) return { id, problem: 'version', expectedVersion: versionOf(expected), actualVersion: versionOf(actual) };
  if (expected.kind !== actual.kind) return { id, problem: expected.kind === 'tombstone' ? 'should-be-tombstone' : 'should-be-live', expectedVersion: versionOf(expected) };
  if (expected.kind === 'movie' && actual.kind === 'movie' && !isDeepStrictEqual(JSON.parse(JSON.stringify(expected.movie)), JSON.parse(JSON.stringify(actual.movie)))) {
    return { id, problem: 'fields', expectedVersion: versionOf(expected) };
  }
  return null;
}

export async function verifyConvergence(deps: Pick<Deps, 'eventStore' | 'readStore'>, concurrency = 16): Promise<VerifyReport> {
  const differences: Difference[] = [];
  const known = new Set<string>();
  let checked = 0;
  let tombstones = 0;
  for await (const batch of deps.eventStore.scanLatest()) {
    for (let i = 0; i < batch.length; i += concurrency) {
      await Promise.all(
        batch.slice(i, i + concurrency).map(async (event) => {
          known.add(event.movieId);
          const expected = entryOfStored(event);
          if (expected.kind === 'tombstone') tombstones++;
          const diff = compareEntries(event.movieId, expected, await deps.readStore.get(event.movieId));
          if (diff) differences.push(diff);
          checked++;
        }),
      );
    }
  }
  for await (const batch of deps.readStore.scan()) {
    for (const entry of batch) {
      const id = entry.kind === 'movie' ? entry.movie.id : entry.id;
      if (!known.has(id)) differences.push({ id, problem: 'orphan', actualVersion: versionOf(entry) });
    }
  }
  return { checked, tombstones, differences };
}

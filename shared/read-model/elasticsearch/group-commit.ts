/**
 * Group commit for writes through the alias: while `maxInFlight` bulk requests are out, the writes of
 * concurrent callers (one projector invocation each) wait and then go together in one bulk request of up
 * to `maxDocuments` entries (a single larger write goes alone); each caller gets its own outcomes or its
 * own error. An idle store sends a write at once.
 */
import type { ApplyOutcome, ReadEntry } from '../port';
import { outcomesOrThrow, type BulkItemResult, type BulkSender } from './bulk';

interface Waiting {
  readonly entries: readonly ReadEntry[];
  readonly resolve: (outcomes: ApplyOutcome[]) => void;
  readonly reject: (error: unknown) => void;
}

export interface GroupCommitLimits {
  readonly maxInFlight: number;
  readonly maxDocuments: number;
}

/** How many of the first waiting writes go in the next request: at least one, then as many as fit. */
function groupSize(waiting: readonly Waiting[], maxDocuments: number): number {
  let count = 0;
  let take = 0;
  while (take < waiting.length && (take === 0 || count + waiting[take]!.entries.length <= maxDocuments)) {
    count += waiting[take++]!.entries.length;
  }
  return take;
}

/** Hands each writer of a group its own slice of the request's results. */
function settle(group: readonly Waiting[], items: readonly BulkItemResult[]): void {
  let at = 0;
  for (const w of group) {
    const own = items.slice(at, (at += w.entries.length));
    try {
      w.resolve(outcomesOrThrow(own));
    } catch (error) {
      w.reject(error);
    }
  }
}

export function groupCommit(
  send: BulkSender,
  limits: GroupCommitLimits,
): (entries: readonly ReadEntry[]) => Promise<ApplyOutcome[]> {
  const waiting: Waiting[] = [];
  let inFlight = 0;
  function flush(): void {
    while (inFlight < limits.maxInFlight && waiting.length > 0) {
      const group = waiting.splice(0, groupSize(waiting, limits.maxDocuments));
      inFlight++;
      send(group.flatMap((w) => w.entries))
        .then(
          (items) => settle(group, items),
          (error: unknown) => group.forEach((w) => w.reject(error)),
        )
        .finally(() => {
          inFlight--;
          flush();
        });
    }
  }
  return (entries) =>
    new Promise<ApplyOutcome[]>((resolve, reject) => {
      waiting.push({ entries, resolve, reject });
      flush();
    });
}

/**
 * Zero-downtime rebuild of the read model from the write store:
 * 1. note the start time; create a new physical index (current mapping version);
 * 2. bulk-load every movie's newest version (tombstones included) into it, while queries keep using the
 *    alias and the projector keeps writing through the alias into the old index;
 * 3. swap the alias atomically;
 * 4. replay the tail: every event that occurred since the start (minus a skew for commands in flight)
 *    goes through the alias into the new index. External versioning makes this idempotent, so an event
 *    that reached the new index by both paths is applied once. (Replay-the-tail was chosen over
 *    dual-apply: it needs no coordination with running projectors.)
 * 5. delete the old index. (Cached searches expire within the search cache TTL; cached movies are exact
 *    per version, so nothing in the cache needs dropping.)
 */
import type { Deps } from '../ports';
import { entryOfStored } from '../read-model/projection';

export interface RebuildProgress {
  readonly phase: 'load' | 'swap' | 'tail' | 'cleanup';
  readonly done: number;
}

export interface RebuildReport {
  readonly index: string;
  readonly previous: readonly string[];
  readonly loaded: number;
  readonly replayed: number;
  readonly seconds: number;
}

export const TAIL_SKEW_MS = 10_000;

export async function rebuildReadModel(
  deps: Pick<Deps, 'eventStore' | 'readStore' | 'cache' | 'clock'>,
  onProgress: (p: RebuildProgress) => void = () => undefined,
  batchSize = 500,
): Promise<RebuildReport> {
  const started = deps.clock();
  const since = new Date(started.getTime() - TAIL_SKEW_MS).toISOString();
  const index = await deps.readStore.createIndex();
  let loaded = 0;
  for await (const batch of deps.eventStore.scanLatest(batchSize)) {
    await deps.readStore.apply(batch.map(entryOfStored), { index });
    loaded += batch.length;
    onProgress({ phase: 'load', done: loaded });
  }
  onProgress({ phase: 'swap', done: loaded });
  const previous = await deps.readStore.swapAlias(index);
  let replayed = 0;
  for await (const batch of deps.eventStore.eventsSince(since, batchSize)) {
    await deps.readStore.apply(batch.map(entryOfStored));
    replayed += batch.length;
    onProgress({ phase: 'tail', done: replayed });
  }
  await deps.readStore.refresh();
  for (const old of previous.filter((p) => p !== index)) await deps.readStore.deleteIndex(old);
  onProgress({ phase: 'cleanup', done: loaded });
  return { index, previous, loaded, replayed, seconds: (deps.clock().getTime() - started.getTime()) / 1000 };
}

/**
 * Zero-downtime rebuild of the read model from the write store:
 * 1. note the start time; create a new physical index (current mapping version);
 * 2. bulk-load every movie's newest version (tombstones included) into it, one page of the write store
 *    at a time in movieId order, while queries keep using the alias and the projector keeps writing
 *    through the alias into the old index;
 * 3. swap the alias atomically;
 * 4. replay the tail: every event that occurred since the start (minus a skew for commands in flight)
 *    goes through the alias into the new index. External versioning makes this idempotent, so an event
 *    that reached the new index by both paths is applied once. (Replay-the-tail was chosen over
 *    dual-apply: it needs no coordination with running projectors.)
 * 5. delete the old index. (Cached searches expire within the search cache TTL; cached movies are exact
 *    per version, so nothing in the cache needs dropping.)
 *
 * It runs as bounded steps over a plain-JSON checkpoint (`RebuildState`), so a job can run it one step
 * per invocation and resume it after a restart: every step is safe to run again (a load page or a tail
 * page re-applied is a no-op thanks to external versions; the alias swap and the deletes are idempotent).
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
export const REBUILD_PAGE_SIZE = 500;

/** The checkpoint of a rebuild between steps. */
export interface RebuildState {
  readonly phase: 'create' | 'load' | 'swap' | 'tail' | 'cleanup' | 'done';
  readonly startedAt: string;
  /** Events at or after this time are replayed after the swap. */
  readonly since: string;
  readonly index?: string;
  /** What the alias pointed at before the swap (noted before swapping, so a repeated swap cannot lose it). */
  readonly previous?: readonly string[];
  /** Last movieId loaded (keyset of the write store). */
  readonly after?: string;
  readonly loaded: number;
  readonly replayed: number;
  /** Tail position: the occurredAt of the last event replayed (re-read inclusively; re-applying is a no-op). */
  readonly tailFrom?: string;
  readonly finishedAt?: string;
}

type RebuildDeps = Pick<Deps, 'eventStore' | 'readStore' | 'cache' | 'clock'>;

export function initialRebuildState(now: Date): RebuildState {
  return {
    phase: 'create',
    startedAt: now.toISOString(),
    since: new Date(now.getTime() - TAIL_SKEW_MS).toISOString(),
    loaded: 0,
    replayed: 0,
  };
}

/** One bounded step of a rebuild: create, one load page, swap, one tail page, or cleanup. */
export async function rebuildStep(
  deps: RebuildDeps,
  state: RebuildState,
  pageSize = REBUILD_PAGE_SIZE,
): Promise<RebuildState> {
  switch (state.phase) {
    case 'create':
      return createStep(deps, state);
    case 'load': {
      const index = required(state.index);
      const page = await deps.eventStore.latestPage({
        ...(state.after === undefined ? {} : { afterMovieId: state.after }),
        limit: pageSize,
      });
      if (page.items.length > 0) await deps.readStore.apply(page.items.map(entryOfStored), { index });
      const loaded = state.loaded + page.items.length;
      if (page.next !== null) return { ...state, loaded, after: page.next };
      const current = await deps.readStore.currentIndex();
      return {
        ...state,
        loaded,
        after: undefined,
        phase: 'swap',
        previous: current && current !== index ? [current] : [],
      };
    }
    case 'swap': {
      const index = required(state.index);
      const before = await deps.readStore.swapAlias(index);
      const previous = [...new Set([...(state.previous ?? []), ...before])].filter((p) => p !== index);
      return { ...state, phase: 'tail', previous, tailFrom: state.since };
    }
    case 'tail': {
      const from = state.tailFrom ?? state.since;
      let replayed = state.replayed;
      let last = from;
      for await (const batch of deps.eventStore.eventsSince(from, pageSize)) {
        await deps.readStore.apply(batch.map(entryOfStored));
        replayed += batch.length;
        last = batch.at(-1)?.metadata.occurredAt ?? last;
        // One page per step, unless every event of the page shares one instant (then the inclusive
        // re-read would return the same page forever): read on until the time moves.
        if (batch.length >= pageSize && last !== from) return { ...state, replayed, tailFrom: last };
        if (batch.length < pageSize) break;
      }
      return { ...state, replayed, tailFrom: last, phase: 'cleanup' };
    }
    case 'cleanup': {
      const index = required(state.index);
      await deps.readStore.refresh();
      for (const old of (state.previous ?? []).filter((p) => p !== index)) await deps.readStore.deleteIndex(old);
      return { ...state, phase: 'done', finishedAt: deps.clock().toISOString() };
    }
    case 'done':
      return state;
    default: {
      const unknown: never = state.phase;
      throw new Error(`unknown rebuild phase ${String(unknown)}`);
    }
  }
}

/**
 * The new index in two steps: its name goes into the checkpoint before it exists, so a step that dies after
 * creating it is run again with the same name (and keeps it), and no index is left behind unnamed.
 */
async function createStep(deps: RebuildDeps, state: RebuildState): Promise<RebuildState> {
  if (state.index === undefined) return { ...state, index: await deps.readStore.newIndexName() };
  await deps.readStore.createIndex(state.index);
  return { ...state, phase: 'load' };
}

function required(index: string | undefined): string {
  if (!index) throw new Error('rebuild checkpoint has no index');
  return index;
}

export function rebuildReportOf(state: RebuildState): RebuildReport {
  const end = state.finishedAt ? Date.parse(state.finishedAt) : Date.parse(state.startedAt);
  return {
    index: required(state.index),
    previous: state.previous ?? [],
    loaded: state.loaded,
    replayed: state.replayed,
    seconds: (end - Date.parse(state.startedAt)) / 1000,
  };
}

/** The whole rebuild in one call (the direct CLI, benches, tests): the same steps one after another. */
export async function rebuildReadModel(
  deps: RebuildDeps,
  onProgress: (p: RebuildProgress) => void = () => undefined,
  batchSize = REBUILD_PAGE_SIZE,
): Promise<RebuildReport> {
  let state = initialRebuildState(deps.clock());
  while (state.phase !== 'done') {
    state = await rebuildStep(deps, state, batchSize);
    if (state.phase === 'load' || state.phase === 'swap')
      onProgress({ phase: state.phase === 'load' ? 'load' : 'swap', done: state.loaded });
    else if (state.phase === 'tail' || state.phase === 'cleanup')
      onProgress({ phase: state.phase, done: state.phase === 'tail' ? state.replayed : state.loaded });
  }
  return rebuildReportOf(state);
}

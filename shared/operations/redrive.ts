/**
 * Redrive: re-publishes dead-lettered events to the topic (they keep their ids, so a delivery that did
 * land before is applied idempotently) and removes each record once the topic has accepted it.
 *
 * It pages the dead-letter store (one page per step, the position as checkpoint), so a job runs it in
 * bounded steps and resumes it after a restart; memory is one page, whatever the store holds.
 */
import type { Deps, Logger } from '../ports';

/** A dead letter the topic did not take back, and why. */
export interface RedriveFailure {
  readonly name: string;
  readonly error: string;
}

export interface RedriveReport {
  readonly redriven: number;
  readonly failed: RedriveFailure[];
}

/** Failures listed in a report (and a job's checkpoint); more are counted in `redriven`'s complement only. */
export const MAX_LISTED_FAILURES = 1000;
export const REDRIVE_PAGE_SIZE = 100;

export interface RedriveState {
  readonly done: boolean;
  /** Position in the dead-letter store (a page's `next`). */
  readonly after?: string;
  /** Only these records (all when absent). */
  readonly names?: readonly string[];
  readonly seen: number;
  readonly redriven: number;
  readonly failed: RedriveFailure[];
}

export const initialRedriveState = (names?: readonly string[]): RedriveState => ({
  done: false,
  ...(names ? { names: [...names] } : {}),
  seen: 0,
  redriven: 0,
  failed: [],
});

/** One page of dead letters re-published. */
export async function redriveStep(
  deps: Pick<Deps, 'deadLetters' | 'publisher'>,
  state: RedriveState,
  pageSize = REDRIVE_PAGE_SIZE,
): Promise<RedriveState> {
  if (state.done) return state;
  const page = await deps.deadLetters.listPage({
    ...(state.after === undefined ? {} : { after: state.after }),
    limit: pageSize,
  });
  const wanted = state.names ? new Set(state.names) : undefined;
  let redriven = state.redriven;
  const failed = [...state.failed];
  for (const record of page.items) {
    if (wanted && !wanted.has(record.name)) continue;
    try {
      await deps.publisher.publishRaw([record.event]);
      await deps.deadLetters.remove(record.name);
      redriven++;
    } catch (error) {
      if (failed.length < MAX_LISTED_FAILURES) failed.push({ name: record.name, error: (error as Error).message });
    }
  }
  const seen = state.seen + page.items.length;
  return page.next === null
    ? { ...state, done: true, after: undefined, seen, redriven, failed }
    : { ...state, after: page.next, seen, redriven, failed };
}

/** The whole redrive in one call: the same steps one after another. */
export async function redrive(
  deps: Pick<Deps, 'deadLetters' | 'publisher'>,
  log: Logger,
  names?: readonly string[],
): Promise<RedriveReport> {
  let state = initialRedriveState(names);
  while (!state.done) state = await redriveStep(deps, state);
  log.log(`redrive: ${state.redriven} re-published, ${state.failed.length} failed`);
  return { redriven: state.redriven, failed: state.failed };
}

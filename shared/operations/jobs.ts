/**
 * Long operations (rebuild, verify, redrive) as resumable jobs. A request starts a job (202 and its id);
 * the `jobs` timer function of the same app moves every running job forward, one bounded step at a time
 * (one page of the write store, the read store or the dead letters; seconds, far under Azure's 230 s
 * HTTP limit), saving the operation's checkpoint in the job document after each step. A host that stops
 * mid-job loses at most the step in flight: the next tick, on any instance, resumes from the checkpoint.
 *
 * Coordination across instances, all through conditional writes on the job store (Cosmos `_etag`):
 * - a step is claimed with a lease on the job document (If-Match), so two instances never run one job's
 *   step at the same time, and a step whose lease was lost is not saved;
 * - a rebuild holds the `rebuild` lock (one document) from start to end: a second rebuild is refused
 *   (409) while the holder runs, whoever asks and wherever.
 */
import type { Deps, Job, JobKind, Logger } from '../ports';
import { ConflictError } from '../errors';
import { initialRebuildState, rebuildReportOf, rebuildStep, type RebuildState } from './rebuild';
import { initialRedriveState, redriveStep, type RedriveState } from './redrive';
import { initialVerifyState, verifyReportOf, verifyStep, type VerifyState } from './verify';

export const REBUILD_LOCK = 'rebuild';
/** A lock whose holder job was never written (its starter died in between) is free after this. */
const ORPHAN_LOCK_MS = 60_000;
/** A claimed step must end within this; another instance takes the job over afterwards. */
export const STEP_LEASE_MS = 120_000;
/** Consecutive failed steps after which a job fails. */
export const MAX_STEP_FAILURES = 5;

type JobDeps = Pick<
  Deps,
  'eventStore' | 'readStore' | 'cache' | 'clock' | 'deadLetters' | 'publisher' | 'jobs' | 'newId' | 'settings'
>;

interface RebuildJobState {
  readonly rebuild: RebuildState;
  readonly verify?: VerifyState;
  readonly total?: number;
}
interface VerifyJobState {
  readonly verify: VerifyState;
  readonly total?: number;
}
interface RedriveJobState {
  readonly redrive: RedriveState;
}

/** What GET /api/ops/jobs/{id} shows of a job. */
export interface JobView {
  readonly id: string;
  readonly kind: JobKind;
  readonly status: Job['status'];
  readonly origin: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly steps: number;
  readonly progress: Job['progress'];
  readonly result?: unknown;
  readonly error?: string;
}

export function jobView(job: Job): JobView {
  return {
    id: job.id,
    kind: job.kind,
    status: job.status,
    origin: job.origin,
    createdAt: job.createdAt,
    updatedAt: job.updatedAt,
    steps: job.steps,
    progress: job.progress,
    ...(job.result !== undefined ? { result: job.result } : {}),
    ...(job.error !== undefined ? { error: job.error } : {}),
  };
}

function initialState(kind: JobKind, now: Date, names?: readonly string[]): unknown {
  switch (kind) {
    case 'rebuild':
      return { rebuild: initialRebuildState(now) } satisfies RebuildJobState;
    case 'verify':
      return { verify: initialVerifyState() } satisfies VerifyJobState;
    case 'redrive':
      return { redrive: initialRedriveState(names) } satisfies RedriveJobState;
    default: {
      const unknown: never = kind;
      throw new Error(`unknown job kind ${String(unknown)}`);
    }
  }
}

/** Takes the rebuild lock for `jobId`, or says who holds it. */
async function takeLock(
  deps: JobDeps,
  name: string,
  jobId: string,
): Promise<{ ok: true } | { ok: false; holder: string }> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const now = deps.clock();
    const lock = await deps.jobs.getLock(name);
    if (!lock) {
      if (await deps.jobs.putLock({ name, holder: jobId, takenAt: now.toISOString() })) return { ok: true };
      continue;
    }
    const holder = await deps.jobs.get(lock.value.holder);
    const busy = holder
      ? holder.value.status === 'running'
      : now.getTime() - Date.parse(lock.value.takenAt) < ORPHAN_LOCK_MS;
    if (busy) return { ok: false, holder: lock.value.holder };
    if (await deps.jobs.putLock({ name, holder: jobId, takenAt: now.toISOString() }, lock.etag)) return { ok: true };
  }
  throw new Error(`lock ${name} kept changing`);
}

/**
 * Starts a job: written with its initial checkpoint, status running; the jobs timer runs it. A rebuild
 * first takes the rebuild lock: ConflictError (409) while another rebuild runs.
 */
export async function startJob(
  deps: JobDeps,
  kind: JobKind,
  options: { origin: string; names?: readonly string[] },
): Promise<Job> {
  const id = deps.newId();
  if (kind === 'rebuild') {
    const lock = await takeLock(deps, REBUILD_LOCK, id);
    if (!lock.ok) {
      throw new ConflictError(`A rebuild is already running (job ${lock.holder}); one rebuild runs at a time.`, {
        jobId: lock.holder,
        location: `/api/ops/jobs/${lock.holder}`,
      });
    }
  }
  const now = deps.clock().toISOString();
  const job: Job = {
    id,
    kind,
    status: 'running',
    origin: options.origin,
    createdAt: now,
    updatedAt: now,
    steps: 0,
    progress: { phase: kind === 'redrive' ? 'redrive' : kind === 'rebuild' ? 'create' : 'write', done: 0 },
    state: initialState(kind, deps.clock(), options.names),
    failures: 0,
  };
  if (!(await deps.jobs.create(job))) throw new Error(`job id ${id} exists`);
  return job;
}

interface StepOutcome {
  readonly state: unknown;
  readonly progress: Job['progress'];
  readonly result?: unknown;
}

async function runStep(deps: JobDeps, job: Job): Promise<StepOutcome> {
  const pageSize = deps.settings.jobPageSize;
  switch (job.kind) {
    case 'rebuild': {
      const s = job.state as RebuildJobState;
      if (s.rebuild.phase !== 'done') {
        const total = s.total ?? (s.rebuild.phase === 'create' ? await deps.eventStore.countMovies() : undefined);
        const rebuild = await rebuildStep(deps, s.rebuild, pageSize);
        const progress = {
          phase: rebuild.phase === 'done' ? 'verify' : rebuild.phase,
          done: rebuild.phase === 'tail' || rebuild.phase === 'cleanup' ? rebuild.replayed : rebuild.loaded,
          ...(total !== undefined && rebuild.phase === 'load' ? { total } : {}),
        };
        return { state: { ...s, rebuild, ...(total !== undefined ? { total } : {}) }, progress };
      }
      const verify = await verifyStep(deps, s.verify ?? initialVerifyState(), pageSize);
      const state: RebuildJobState = { ...s, verify };
      const progress = { phase: 'verify', done: verify.checked, ...(s.total !== undefined ? { total: s.total } : {}) };
      if (verify.phase !== 'done') return { state, progress };
      return { state, progress, result: { ...rebuildReportOf(s.rebuild), differences: verify.differenceCount } };
    }
    case 'verify': {
      const s = job.state as VerifyJobState;
      const total =
        s.total ??
        (s.verify.checked === 0 && s.verify.phase === 'write' ? await deps.eventStore.countMovies() : undefined);
      const verify = await verifyStep(deps, s.verify, pageSize);
      const progress =
        verify.phase === 'write' || verify.phase === 'done'
          ? {
              phase: verify.phase === 'done' ? 'done' : 'write',
              done: verify.checked,
              ...(total !== undefined ? { total } : {}),
            }
          : { phase: 'orphans', done: verify.orphansChecked };
      return {
        state: { verify, ...(total !== undefined ? { total } : {}) },
        progress,
        ...(verify.phase === 'done' ? { result: verifyReportOf(verify) } : {}),
      };
    }
    case 'redrive': {
      const s = job.state as RedriveJobState;
      const redrive = await redriveStep(deps, s.redrive);
      return {
        state: { redrive },
        progress: { phase: 'redrive', done: redrive.seen },
        ...(redrive.done ? { result: { redriven: redrive.redriven, failed: redrive.failed } } : {}),
      };
    }
    default: {
      const unknown: never = job.kind;
      throw new Error(`unknown job kind ${String(unknown)}`);
    }
  }
}

export type StepResult = 'stepped' | 'finished' | 'busy' | 'gone';

/**
 * Runs one step of one job, if nobody else is: claim (lease, If-Match), step, save the checkpoint
 * (If-Match on the claim). A step that throws is retried on the next call; after MAX_STEP_FAILURES in a
 * row the job fails. A finished rebuild frees its lock.
 */
export async function stepJob(deps: JobDeps, id: string, owner: string, log?: Logger): Promise<StepResult> {
  const found = await deps.jobs.get(id);
  if (!found) return 'gone';
  const job = found.value;
  if (job.status !== 'running') return 'finished';
  const now = deps.clock();
  if (job.lease && job.lease.owner !== owner && Date.parse(job.lease.until) > now.getTime()) return 'busy';
  const claimed: Job = { ...job, lease: { owner, until: new Date(now.getTime() + STEP_LEASE_MS).toISOString() } };
  const etag = await deps.jobs.replace(claimed, found.etag);
  if (etag === null) return 'busy';

  let next: Job;
  if (job.kind === 'rebuild' && (await deps.jobs.getLock(REBUILD_LOCK))?.value.holder !== job.id) {
    next = { ...job, status: 'failed', error: 'the rebuild lock was taken by another job', lease: undefined };
  } else {
    try {
      const outcome = await runStep(deps, job);
      next = {
        ...job,
        state: outcome.state,
        progress: outcome.progress,
        steps: job.steps + 1,
        failures: 0,
        lease: undefined,
        ...(outcome.result !== undefined ? { status: 'succeeded' as const, result: outcome.result } : {}),
      };
    } catch (error) {
      const failures = job.failures + 1;
      const message = error instanceof Error ? error.message : String(error);
      log?.warn(`job ${job.id} (${job.kind}) step failed (${failures}/${MAX_STEP_FAILURES}): ${message}`);
      next = {
        ...job,
        failures,
        lease: undefined,
        ...(failures >= MAX_STEP_FAILURES ? { status: 'failed' as const, error: message } : {}),
      };
    }
  }
  next = { ...next, updatedAt: deps.clock().toISOString() };
  if ((await deps.jobs.replace(withoutLease(next), etag)) === null) return 'busy';
  if (next.status !== 'running') {
    if (job.kind === 'rebuild') await deps.jobs.releaseLock(REBUILD_LOCK, job.id);
    log?.log(`job ${job.id} (${job.kind}) ${next.status}${next.error ? `: ${next.error}` : ''}`);
    return 'finished';
  }
  return 'stepped';
}

function withoutLease(job: Job): Job {
  const { lease: _lease, ...rest } = job;
  return rest;
}

/**
 * What the jobs timer does on each tick: steps every running job, oldest first, until each finishes or
 * the tick's budget is spent (the rest waits for the next tick, on whichever instance).
 */
export async function advanceJobs(
  deps: JobDeps,
  owner: string,
  log?: Logger,
): Promise<{ steps: number; finished: number }> {
  const started = Date.now();
  const budgetMs = deps.settings.jobTickSeconds * 1000;
  let steps = 0;
  let finished = 0;
  for (const job of await deps.jobs.running(20)) {
    for (;;) {
      const result = await stepJob(deps, job.id, owner, log);
      if (result === 'stepped') steps++;
      if (result === 'finished') finished++;
      if (result !== 'stepped' || Date.now() - started >= budgetMs) break;
    }
    if (Date.now() - started >= budgetMs) break;
  }
  return { steps, finished };
}

/** An empty read index is healed only when the write store's first movie is older than this. */
export const EMPTY_INDEX_GRACE_MS = 60_000;

export type HealOutcome = 'healthy' | 'nothing-to-rebuild' | 'started' | 'already-rebuilding';

/**
 * Self-healing read model: when the read store's alias points nowhere or at an empty index while the
 * write store holds movies, start the rebuild job (origin `self-heal`) under the rebuild lock. While a
 * rebuild runs the lock refuses the next one, so however many ticks or instances notice, one runs.
 */
export async function healReadModel(deps: JobDeps, log?: Logger): Promise<HealOutcome> {
  const current = await deps.readStore.currentIndex();
  if (current !== null) {
    for await (const batch of deps.readStore.scan(1)) if (batch.length > 0) return 'healthy';
  }
  const [first] = (await deps.eventStore.latestPage({ limit: 1 })).items;
  if (!first) return 'nothing-to-rebuild';
  // An empty index beside a movie written moments ago is the projection catching up, not a loss. A
  // missing alias is never that: it heals at once.
  if (current !== null && deps.clock().getTime() - Date.parse(first.metadata.occurredAt) < EMPTY_INDEX_GRACE_MS)
    return 'healthy';
  try {
    const job = await startJob(deps, 'rebuild', { origin: 'self-heal' });
    log?.warn(
      `read model ${current === null ? 'missing' : `empty (${current})`} while the write store holds movies: rebuild job ${job.id} started`,
    );
    return 'started';
  } catch (error) {
    if (error instanceof ConflictError) return 'already-rebuilding';
    throw error;
  }
}

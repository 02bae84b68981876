/**
 * Long operations as jobs, on the in-memory ports: a request starts a job (202, Location); bounded steps
 * move it forward from its checkpoint, whichever runner takes the next step; one rebuild at a time; a
 * failing step is retried, then fails the job and frees the lock.
 */
import { describe, expect, it } from 'vitest';
import { getJob } from '../../functions/jobs';
import { rebuild } from '../../functions/rebuild';
import { redrive } from '../../functions/redrive';
import { verify } from '../../functions/verify';
import type { CommandMetadata } from '../../shared/domain/decider';
import { advanceJobs, healReadModel, MAX_STEP_FAILURES, REBUILD_LOCK, stepJob } from '../../shared/operations/jobs';
import { handleCommand } from '../../shared/write-model/commands';
import { entryOfStored } from '../../shared/read-model/projection';
import type { HttpFunctionDefinition } from '../../shared/registry';
import { call, memoryApp, type MemoryApp } from '../support/memory';

const meta = (occurredAt: string): CommandMetadata => ({ occurredAt, correlationId: 'c' });
const MASTER = { url: 'http://localhost/api/ops' };

/** Movies m1..m<count>, created and projected (the memory topic delivers nowhere). */
async function createMovies(app: MemoryApp, count: number): Promise<void> {
  for (let i = 1; i <= count; i++) {
    await handleCommand(
      {
        type: 'CreateMovie',
        movieId: `m${i}`,
        fields: { title: `Movie ${i}` },
        metadata: meta('2026-03-01T11:00:00.000Z'),
      },
      app.deps,
      app.log,
    );
    await app.readStore.apply([entryOfStored((await app.eventStore.latest(`m${i}`))!)]);
  }
}

async function start(app: MemoryApp, definition: HttpFunctionDefinition, body?: unknown) {
  return call(definition, app.deps, {
    method: 'POST',
    url: `${MASTER.url}/x`,
    ...(body !== undefined
      ? { headers: { 'content-type': 'application/json' }, body: { string: JSON.stringify(body) } }
      : {}),
  });
}

async function job(app: MemoryApp, id: string) {
  return call(getJob, app.deps, { method: 'GET', url: `${MASTER.url}/jobs/${id}`, params: { id } });
}

/** Steps a job with one runner until it ends; how many steps it took. */
async function runToEnd(app: MemoryApp, id: string, owner = 'runner-a'): Promise<number> {
  let steps = 0;
  for (; steps < 1000; steps++) if ((await stepJob(app.deps, id, owner)) === 'finished') return steps;
  throw new Error('the job did not end');
}

describe('jobs', () => {
  it('a rebuild answers 202 with Location and the running job; steps load one page each; the result reports the rebuild and its check', async () => {
    const app = await memoryApp();
    await createMovies(app, 5);
    const started = await start(app, rebuild);
    expect(started.status).toBe(202);
    expect(started.headers.location).toBe('/api/ops/jobs/id1');
    expect(started.body).toMatchObject({
      id: 'id1',
      kind: 'rebuild',
      status: 'running',
      origin: 'api',
      steps: 0,
      progress: { phase: 'create', done: 0 },
    });

    expect(await stepJob(app.deps, 'id1', 'runner-a')).toBe('stepped'); // name the new index
    expect(await stepJob(app.deps, 'id1', 'runner-a')).toBe('stepped'); // create it
    expect(await stepJob(app.deps, 'id1', 'runner-a')).toBe('stepped'); // load m1, m2 (page size 2)
    expect((await job(app, 'id1')).body).toMatchObject({
      status: 'running',
      steps: 3,
      progress: { phase: 'load', done: 2, total: 5 },
    });
    await runToEnd(app, 'id1');
    const done = await job(app, 'id1');
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({
      status: 'succeeded',
      result: { index: 'movies-embedded-2', previous: ['movies-embedded-1'], loaded: 5, differences: 0 },
    });
    expect(await app.deps.jobs.getLock(REBUILD_LOCK)).toBeNull();
  });

  it('a second rebuild while one runs is refused with 409 naming the running job; once it ended, a new one starts', async () => {
    const app = await memoryApp();
    await createMovies(app, 3);
    const first = await start(app, rebuild);
    const second = await start(app, rebuild);
    expect(second.status).toBe(409);
    expect(second.headers['content-type']).toBe('application/problem+json');
    expect(second.body).toMatchObject({ status: 409, jobId: 'id1', location: '/api/ops/jobs/id1' });
    expect((await app.deps.jobs.running(10)).map((j) => j.id)).toEqual(['id1']);
    await runToEnd(app, (first.body as { id: string }).id);
    const third = await start(app, rebuild);
    expect(third.status).toBe(202);
    expect((await app.deps.jobs.getLock(REBUILD_LOCK))?.value.holder).toBe((third.body as { id: string }).id);
  });

  it('another runner resumes from the checkpoint; a step claimed by a live runner is left alone', async () => {
    const app = await memoryApp();
    await createMovies(app, 6);
    const { id } = (await start(app, verify)).body as { id: string };
    expect(await stepJob(app.deps, id, 'runner-a')).toBe('stepped');
    expect((await job(app, id)).body).toMatchObject({ progress: { phase: 'write', done: 2, total: 6 } });
    // runner-a "dies" mid-step: its lease on the job stays until it expires.
    const found = (await app.deps.jobs.get(id))!;
    await app.deps.jobs.replace(
      { ...found.value, lease: { owner: 'runner-a', until: '2026-03-01T12:02:00.000Z' } },
      found.etag,
    );
    expect(await stepJob(app.deps, id, 'runner-b')).toBe('busy');
    app.setNow('2026-03-01T12:02:00.001Z');
    await runToEnd(app, id, 'runner-b');
    expect((await job(app, id)).body).toMatchObject({
      status: 'succeeded',
      result: { checked: 6, tombstones: 0, differences: [], differenceCount: 0 },
    });
  });

  it('verify reports an orphan of the read store and a read entry at another version than the write store', async () => {
    const app = await memoryApp();
    await createMovies(app, 2);
    await app.readStore.apply([
      { kind: 'movie', movie: { id: 'ghost', version: 3, title: 'Ghost', createdAt: 'x', updatedAt: 'x' } },
    ]);
    await app.readStore.apply([{ kind: 'tombstone', id: 'm2', version: 9, deletedAt: 'x' }]);
    const { id } = (await start(app, verify)).body as { id: string };
    await runToEnd(app, id);
    expect(((await job(app, id)).body as { result: unknown }).result).toEqual({
      checked: 2,
      tombstones: 0,
      differences: [
        { id: 'm2', problem: 'version', expectedVersion: 1, actualVersion: 9 },
        { id: 'ghost', problem: 'orphan', actualVersion: 3 },
      ],
      differenceCount: 2,
    });
  });

  it('the jobs timer runs every running job to its end within its budget', async () => {
    const app = await memoryApp();
    await createMovies(app, 3);
    const a = (await start(app, verify)).body as { id: string };
    const b = (await start(app, redrive, {})).body as { id: string };
    const tick = await advanceJobs({ ...app.deps, settings: { ...app.deps.settings, jobTickSeconds: 60 } }, 'tick-1');
    expect(tick.finished).toBe(2);
    expect((await job(app, a.id)).body).toMatchObject({
      status: 'succeeded',
      result: { checked: 3, differenceCount: 0 },
    });
    expect((await job(app, b.id)).body).toMatchObject({ status: 'succeeded', result: { redriven: 0, failed: [] } });
    expect(await app.deps.jobs.running(10)).toEqual([]);
  });

  it('a step that fails is retried; after MAX_STEP_FAILURES in a row the job fails and frees the rebuild lock', async () => {
    const app = await memoryApp();
    await createMovies(app, 3);
    const { id } = (await start(app, rebuild)).body as { id: string };
    await stepJob(app.deps, id, 'r'); // index named
    await stepJob(app.deps, id, 'r'); // index created
    app.readStore.down = true;
    for (let i = 1; i < MAX_STEP_FAILURES; i++) expect(await stepJob(app.deps, id, 'r')).toBe('stepped');
    expect((await job(app, id)).body).toMatchObject({ status: 'running' });
    expect(await stepJob(app.deps, id, 'r')).toBe('finished');
    expect((await job(app, id)).body).toMatchObject({ status: 'failed', error: 'injected: read store unreachable' });
    expect(await app.deps.jobs.getLock(REBUILD_LOCK)).toBeNull();
  });

  it('an unknown job is a 404 problem, so is an id that cannot name a job; bad input to redrive starts nothing', async () => {
    const app = await memoryApp();
    const unknown = await job(app, 'nope');
    expect(unknown.status).toBe(404);
    expect(unknown.headers['content-type']).toBe('application/problem+json');
    const bad = await job(app, 'a b');
    expect(bad.status).toBe(404);
    const badBody = await start(app, redrive, { names: 'all' });
    expect(badBody.status).toBe(400);
    expect(await app.deps.jobs.running(10)).toEqual([]);
  });

  it('self-healing: an empty read model with movies in the write store starts one rebuild (origin self-heal); the next ticks do not start another', async () => {
    const app = await memoryApp();
    expect(await healReadModel(app.deps)).toBe('nothing-to-rebuild');
    for (let i = 1; i <= 3; i++) {
      await handleCommand(
        {
          type: 'CreateMovie',
          movieId: `h${i}`,
          fields: { title: `Healed ${i}` },
          metadata: meta('2026-03-01T11:00:00.000Z'),
        },
        app.deps,
        app.log,
      );
    }
    // The read store lost everything (the memory topic delivers nowhere: nothing was projected).
    expect(await healReadModel(app.deps)).toBe('started');
    expect(await healReadModel(app.deps)).toBe('already-rebuilding');
    const running = await app.deps.jobs.running(10);
    expect(running.map((j) => [j.kind, j.origin])).toEqual([['rebuild', 'self-heal']]);
    await runToEnd(app, running[0]!.id);
    expect((await job(app, running[0]!.id)).body).toMatchObject({
      status: 'succeeded',
      result: { loaded: 3, differences: 0 },
    });
    expect(await healReadModel(app.deps)).toBe('healthy');
    expect((await app.deps.readStore.search({ sort: 'title', limit: 10 })).total).toBe(3);
  });
});

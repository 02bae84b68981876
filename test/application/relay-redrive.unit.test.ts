/**
 * The relay and the redrive on the in-memory ports. The relay re-publishes what a failed publish left
 * undispatched (after the grace period, oldest first, in batches) and stops while the topic is down; the
 * redrive re-publishes dead letters unchanged and removes exactly those the topic accepted.
 */
import { describe, expect, it } from 'vitest';
import type { CommandMetadata } from '../../shared/domain/decider';
import type { CloudEventEnvelope, DeadLetter, DeadLetterStore } from '../../shared/ports';
import { redrive } from '../../shared/operations/redrive';
import { relayUndispatched } from '../../shared/operations/relay';
import { handleCommand } from '../../shared/write-model/commands';
import { memoryApp, type MemoryApp } from '../support/memory';

const meta = (occurredAt: string): CommandMetadata => ({ occurredAt, correlationId: 'c' });

/** Creates movies while the topic is down: each stays undispatched. */
async function undispatchedCreates(app: MemoryApp, times: string[]): Promise<void> {
  app.publisher.down = true;
  for (const [i, at] of times.entries())
    await handleCommand(
      { type: 'CreateMovie', movieId: `m${i + 1}`, fields: { title: `Movie ${i + 1}` }, metadata: meta(at) },
      app.deps,
      app.log,
    );
  app.publisher.down = false;
}

describe('relay', () => {
  it('re-publishes every event left undispatched longer than the grace period, oldest first, and marks them dispatched', async () => {
    const app = await memoryApp({ now: '2026-01-01T00:10:00.000Z', relayGraceSeconds: 30 });
    await undispatchedCreates(app, [
      '2026-01-01T00:09:00.000Z',
      '2026-01-01T00:05:00.000Z',
      '2026-01-01T00:09:45.000Z',
    ]);
    const report = await relayUndispatched(app.deps, app.log);
    expect(report).toEqual({ found: 2, republished: 2, failed: 0 });
    expect(app.publisher.accepted.map((e) => e.id)).toEqual(['m2:1', 'm1:1']); // m3 is within the grace period
    expect((await app.eventStore.get('m1', 1))?.dispatched).toBe(true);
    expect((await app.eventStore.get('m3', 1))?.dispatched).toBe(false);
    // Once the grace period has passed, the next tick takes the last one; a tick with nothing to do publishes nothing.
    app.setNow('2026-01-01T00:10:16.000Z');
    expect(await relayUndispatched(app.deps, app.log)).toEqual({ found: 1, republished: 1, failed: 0 });
    const logged = app.log.lines.length;
    expect(await relayUndispatched(app.deps, app.log)).toEqual({ found: 0, republished: 0, failed: 0 });
    expect(app.log.lines.slice(logged)).toEqual([]); // a tick with nothing to do stays quiet
    expect(app.publisher.accepted.map((e) => e.id)).toEqual(['m2:1', 'm1:1', 'm3:1']);
  });

  it('the republished CloudEvent is the one the command would have sent', async () => {
    const app = await memoryApp({ now: '2026-01-01T01:00:00.000Z' });
    await handleCommand(
      { type: 'CreateMovie', movieId: 'direct', fields: { title: 'Same' }, metadata: meta('2026-01-01T00:00:00.000Z') },
      app.deps,
      app.log,
    );
    const direct = app.publisher.accepted.splice(0);
    app.publisher.down = true;
    await handleCommand(
      {
        type: 'PatchMovie',
        movieId: 'direct',
        expectedVersion: 1,
        patch: { title: 'Changed' },
        metadata: meta('2026-01-01T00:00:01.000Z'),
      },
      app.deps,
      app.log,
    );
    app.publisher.down = false;
    await relayUndispatched(app.deps, app.log);
    const relayed = app.publisher.accepted;
    expect(relayed.map((e) => [e.id, e.type, e.subject, e.source])).toEqual([
      ['direct:2', 'Movies.MovieUpdated.v1', 'movies/direct', direct[0]!.source],
    ]);
    expect((relayed[0]!.data as { state: { title: string } }).state.title).toBe('Changed');
  });

  it('works in batches and stops at maxBatches', async () => {
    const app = await memoryApp({ now: '2026-01-01T01:00:00.000Z' });
    await undispatchedCreates(
      app,
      Array.from({ length: 7 }, (_, i) => `2026-01-01T00:0${i}:00.000Z`),
    );
    expect(await relayUndispatched(app.deps, app.log, 2, 2)).toEqual({ found: 4, republished: 4, failed: 0 });
    expect(app.publisher.accepted.map((e) => e.id)).toEqual(['m1:1', 'm2:1', 'm3:1', 'm4:1']);
    expect(await relayUndispatched(app.deps, app.log, 2, 50)).toEqual({ found: 3, republished: 3, failed: 0 });
  });

  it('while the topic is down: one failed batch, nothing marked, and the next tick after recovery delivers', async () => {
    const app = await memoryApp({ now: '2026-01-01T01:00:00.000Z' });
    await undispatchedCreates(app, [
      '2026-01-01T00:00:00.000Z',
      '2026-01-01T00:01:00.000Z',
      '2026-01-01T00:02:00.000Z',
    ]);
    app.publisher.down = true;
    const warned = app.log.lines.length;
    expect(await relayUndispatched(app.deps, app.log, 2)).toEqual({ found: 2, republished: 0, failed: 2 });
    expect(app.log.lines.slice(warned)).toEqual([
      {
        level: 'warn',
        text: 'publish failed for m1:1, m2:1; the relay will re-publish: topic unavailable (in-memory publisher is down)',
      },
      { level: 'log', text: 'relay: 2 undispatched, 0 re-published, 2 failed' },
    ]);
    expect((await app.eventStore.get('m1', 1))?.dispatched).toBe(false);
    app.publisher.down = false;
    expect(await relayUndispatched(app.deps, app.log, 2)).toEqual({ found: 3, republished: 3, failed: 0 });
  });
});

const envelope = (id: string): CloudEventEnvelope => ({
  specversion: '1.0',
  id,
  source: '/movie-catalog/movies',
  type: 'Movies.MovieCreated.v1',
  data: { id },
  traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
});

async function deadLetters(app: MemoryApp, ids: string[]): Promise<DeadLetter[]> {
  const out: DeadLetter[] = [];
  for (const id of ids)
    out.push(
      await app.deps.deadLetters.put({
        subscription: 'projector',
        event: envelope(id),
        reason: 'r',
        deliveryAttempts: 3,
        deadLetteredAt: '2026-01-01T00:00:00.000Z',
      }),
    );
  return out;
}

describe('redrive', () => {
  it('re-publishes every dead letter unchanged and removes each one the topic accepted', async () => {
    const app = await memoryApp();
    await deadLetters(app, ['a:1', 'b:1']);
    expect(await redrive(app.deps, app.log)).toEqual({ redriven: 2, failed: [] });
    expect(app.log.lines).toEqual([{ level: 'log', text: 'redrive: 2 re-published, 0 failed' }]);
    expect(app.publisher.accepted).toEqual([envelope('a:1'), envelope('b:1')]);
    expect(await app.deps.deadLetters.list()).toEqual([]);
  });

  it('with names, redrives exactly those and leaves the others', async () => {
    const app = await memoryApp();
    const [a, , c] = await deadLetters(app, ['a:1', 'b:1', 'c:1']);
    expect(await redrive(app.deps, app.log, [a!.name, c!.name])).toEqual({ redriven: 2, failed: [] });
    expect(app.publisher.accepted.map((e) => e.id)).toEqual(['a:1', 'c:1']);
    expect((await app.deps.deadLetters.list()).map((d) => d.event.id)).toEqual(['b:1']);
  });

  it('a record the topic refused stays, and is reported with the error', async () => {
    const app = await memoryApp();
    const [a] = await deadLetters(app, ['a:1']);
    app.publisher.down = true;
    expect(await redrive(app.deps, app.log)).toEqual({
      redriven: 0,
      failed: [{ name: a!.name, error: 'topic unavailable (in-memory publisher is down)' }],
    });
    expect((await app.deps.deadLetters.list()).map((d) => d.name)).toEqual([a!.name]);
  });

  it('a record whose removal fails is reported failed (it will be redriven again, harmlessly: same id)', async () => {
    const app = await memoryApp();
    const [a] = await deadLetters(app, ['a:1']);
    const store: DeadLetterStore = {
      ...app.deps.deadLetters,
      remove: () => Promise.reject(new Error('cannot delete')),
    };
    expect(await redrive({ deadLetters: store, publisher: app.publisher }, app.log)).toEqual({
      redriven: 0,
      failed: [{ name: a!.name, error: 'cannot delete' }],
    });
    expect(app.publisher.accepted.map((e) => e.id)).toEqual(['a:1']);
  });
});

/**
 * The redrive one page at a time (redriveStep), as the redrive job runs it and resumes it from its
 * checkpoint: each step asks the store for the page after the last position, the state counts the
 * records seen and re-published and keeps the failures of earlier pages, the last page marks it done,
 * a finished redrive does nothing more, and at most 1000 failures are listed.
 */
import { describe, expect, it } from 'vitest';
import type { CloudEventEnvelope, DeadLetterStore } from '../../shared/ports';
import { initialRedriveState, redriveStep, type RedriveState } from '../../shared/operations/redrive';
import { memoryApp, type MemoryApp } from '../support/memory';

const envelope = (id: string): CloudEventEnvelope => ({
  specversion: '1.0',
  id,
  source: '/movie-catalog/movies',
  type: 'Movies.MovieCreated.v1',
  data: { id },
});

/** The memory store's record names: dead-letter time, subscription, counter. */
const nameOf = (n: number) => `2026-01-01T00-00-00-000Z-projector-0000000${n}.json`;

async function withDeadLetters(count: number): Promise<MemoryApp> {
  const app = await memoryApp();
  for (let i = 1; i <= count; i++)
    await app.deps.deadLetters.put({
      subscription: 'projector',
      event: envelope(`e${i}:1`),
      reason: 'r',
      deliveryAttempts: 3,
      deadLetteredAt: '2026-01-01T00:00:00.000Z',
    });
  return app;
}

/** The store with every page request recorded. */
function recorded(store: DeadLetterStore): { store: DeadLetterStore; pages: unknown[] } {
  const pages: unknown[] = [];
  return {
    pages,
    store: {
      ...store,
      listPage: (page) => {
        pages.push(page);
        return store.listPage(page);
      },
    },
  };
}

describe('redriveStep', () => {
  it('walks the store page after page from the checkpoint, counting, until the last page marks it done', async () => {
    const app = await withDeadLetters(5);
    const { store, pages } = recorded(app.deps.deadLetters);
    const deps = { deadLetters: store, publisher: app.publisher };
    const first = await redriveStep(deps, initialRedriveState(), 2);
    expect(first).toEqual({ done: false, after: nameOf(2), seen: 2, redriven: 2, failed: [] });
    const second = await redriveStep(deps, first, 2);
    expect(second).toEqual({ done: false, after: nameOf(4), seen: 4, redriven: 4, failed: [] });
    const last = await redriveStep(deps, second, 2);
    expect(last).toEqual({ done: true, after: undefined, seen: 5, redriven: 5, failed: [] });
    expect(pages).toStrictEqual([{ limit: 2 }, { after: nameOf(2), limit: 2 }, { after: nameOf(4), limit: 2 }]);
    expect(app.publisher.accepted.map((e) => e.id)).toEqual(['e1:1', 'e2:1', 'e3:1', 'e4:1', 'e5:1']);
    expect(await app.deps.deadLetters.list()).toEqual([]);
  });

  it('records the topic refused stay where they are: the next step reads the page after them, and the failures add up', async () => {
    const app = await withDeadLetters(3);
    app.publisher.down = true;
    const refused = 'topic unavailable (in-memory publisher is down)';
    const first = await redriveStep(app.deps, initialRedriveState(), 2);
    expect(first).toEqual({
      done: false,
      after: nameOf(2),
      seen: 2,
      redriven: 0,
      failed: [
        { name: nameOf(1), error: refused },
        { name: nameOf(2), error: refused },
      ],
    });
    const last = await redriveStep(app.deps, first, 2);
    expect(last).toEqual({
      done: true,
      after: undefined,
      seen: 3,
      redriven: 0,
      failed: [
        { name: nameOf(1), error: refused },
        { name: nameOf(2), error: refused },
        { name: nameOf(3), error: refused },
      ],
    });
    expect((await app.deps.deadLetters.list()).map((d) => d.name)).toEqual([nameOf(1), nameOf(2), nameOf(3)]);
  });

  it('a finished redrive is left as it is: no page read, nothing re-published', async () => {
    const app = await withDeadLetters(1);
    const { store, pages } = recorded(app.deps.deadLetters);
    const done: RedriveState = { done: true, seen: 7, redriven: 6, failed: [{ name: nameOf(1), error: 'x' }] };
    expect(await redriveStep({ deadLetters: store, publisher: app.publisher }, done)).toBe(done);
    expect(pages).toEqual([]);
    expect(app.publisher.accepted).toEqual([]);
  });

  it('lists at most 1000 failures: the 1000th is listed, the ones after it only counted as not redriven', async () => {
    const app = await withDeadLetters(2);
    app.publisher.down = true;
    const earlier = Array.from({ length: 999 }, (_, i) => ({ name: `old-${i}`, error: 'x' }));
    const state = await redriveStep(app.deps, { ...initialRedriveState(), failed: earlier });
    expect(state.failed.length).toBe(1000);
    expect(state.failed.at(-1)).toEqual({ name: nameOf(1), error: 'topic unavailable (in-memory publisher is down)' });
    expect(state).toMatchObject({ done: true, seen: 2, redriven: 0 });
  });
});

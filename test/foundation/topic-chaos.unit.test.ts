/**
 * The local topic's chaos is reproducible: with a seed, which publishes are rejected and which deliveries
 * are duplicated depend on the seed and the event ids only, not on the order the events arrive in.
 */
import { describe, expect, it } from 'vitest';
import { createMemoryDeadLetterStore } from '../../shared/adapters/memory-dead-letters';
import { LocalTopic, PublishRejected } from '../../shared/local/topic';
import type { CloudEventEnvelope, Deps } from '../../shared/ports';
import type { EventGridFunctionDefinition } from '../../shared/registry';
import { topology } from '../../shared/topology';

const envelope = (id: string): CloudEventEnvelope => ({
  specversion: '1.0',
  id,
  source: '/movie-catalog/movies',
  type: 'Movies.MovieCreated.v1',
  data: {},
});
const quiet = { log: () => undefined, warn: () => undefined, error: () => undefined };

async function run(seed: number, ids: readonly string[]) {
  const delivered: string[] = [];
  const projector: EventGridFunctionDefinition = {
    kind: 'eventGrid',
    name: 'projector',
    summary: 'records deliveries',
    handler: async (event) => void delivered.push(event.id),
  };
  const deps = { deadLetters: createMemoryDeadLetterStore(), clock: () => new Date() } as unknown as Deps;
  const topic = new LocalTopic({
    subscriptions: topology.subscriptions,
    functions: [projector],
    deps: () => deps,
    backoffMs: 1,
    logger: quiet,
  });
  topic.chaos = { seed, rejectPublishRate: 0.3, duplicateRate: 0.3 };
  const rejected: string[] = [];
  for (const id of ids) {
    try {
      topic.accept([envelope(id)]);
    } catch (error) {
      if (!(error instanceof PublishRejected)) throw error;
      rejected.push(id);
    }
  }
  await topic.idle();
  topic.stop();
  const counts = new Map<string, number>();
  for (const id of delivered) counts.set(id, (counts.get(id) ?? 0) + 1);
  return {
    rejected: rejected.sort(),
    duplicated: [...counts]
      .filter(([, n]) => n === 2)
      .map(([id]) => id)
      .sort(),
    stats: { ...topic.stats },
  };
}

describe('local topic chaos with a seed', () => {
  const ids = Array.from({ length: 60 }, (_, i) => `m${i}:1`);

  it('rejects and duplicates the same events in two runs, whatever their order', async () => {
    const forward = await run(67057, ids);
    const backward = await run(67057, [...ids].reverse());
    expect(backward.rejected).toEqual(forward.rejected);
    expect(backward.duplicated).toEqual(forward.duplicated);
    expect(forward.rejected.length).toBeGreaterThan(5);
    expect(forward.duplicated.length).toBeGreaterThan(5);
    expect(forward.stats.rejected).toBe(forward.rejected.length);
    expect(forward.stats.duplicated).toBe(forward.duplicated.length);
  });

  it('another seed makes other decisions', async () => {
    expect((await run(1, ids)).rejected).not.toEqual((await run(2, ids)).rejected);
  });
});

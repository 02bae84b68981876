/**
 * A create without an Idempotency-Key appends first and reads only after a collision. Any other fault of
 * that append fails the command as it is: it is not taken for a collision and the write is not tried a
 * second time (without a key, a second attempt is exactly the duplicate a client could not tell apart).
 */
import { describe, expect, it } from 'vitest';
import { handleCommand } from '../../shared/write-model/commands';
import { T0, memoryApp } from '../support/memory';

describe('command handling: a store fault on an unkeyed create', () => {
  it('fails the command with that fault after one append, and stores nothing', async () => {
    const app = await memoryApp();
    let appends = 0;
    const deps = {
      ...app.deps,
      eventStore: {
        ...app.eventStore,
        append: () => {
          appends++;
          return Promise.reject(new Error('injected: the store refused the write'));
        },
      },
    };
    await expect(
      handleCommand(
        {
          type: 'CreateMovie',
          movieId: 'm1',
          fields: { title: 'Alien' },
          metadata: { occurredAt: T0, correlationId: 'c' },
        },
        deps,
        app.log,
      ),
    ).rejects.toThrow(new Error('injected: the store refused the write'));
    expect(appends).toBe(1);
    expect(await app.eventStore.latest('m1')).toBeNull();
    expect(app.publisher.accepted).toEqual([]);
  });
});

/**
 * A rebuild runs as steps over a checkpoint, and a host may die between a step's work and the checkpoint
 * that records it: the step is then run again from the previous checkpoint. The index a rebuild loads into
 * is named in one step and created in the next, so a repeated create finds its own index again and
 * leaves none behind.
 */
import { describe, expect, it } from 'vitest';
import { initialRebuildState, rebuildStep, type RebuildState } from '../../shared/operations/rebuild';
import type { ReadStore } from '../../shared/read-model/port';
import { handleCommand } from '../../shared/write-model/commands';
import { memoryApp } from '../support/memory';

describe('rebuild steps', () => {
  it('a create step that dies after creating the index is run again with the same name: one new index, the alias ends on it, the old one is deleted', async () => {
    const app = await memoryApp();
    for (const id of ['a', 'b', 'c']) {
      const command = { type: 'CreateMovie', movieId: id, fields: { title: `Movie ${id}` } } as const;
      await handleCommand(
        { ...command, metadata: { occurredAt: '2026-03-01T11:00:00.000Z', correlationId: 'c' } },
        app.deps,
        app.log,
      );
    }
    const created: string[] = [];
    const deleted: string[] = [];
    const readStore: ReadStore = {
      ...app.readStore,
      createIndex: async (name) => {
        created.push(name);
        await app.readStore.createIndex(name);
      },
      deleteIndex: async (name) => {
        deleted.push(name);
        await app.readStore.deleteIndex(name);
      },
    };
    const deps = { ...app.deps, readStore };

    const named = await rebuildStep(deps, initialRebuildState(new Date('2026-03-01T12:00:00.000Z')), 2);
    expect(named).toMatchObject({ phase: 'create', index: 'movies-embedded-2' });
    expect(created).toEqual([]); // naming creates nothing

    await rebuildStep(deps, named, 2); // created, then the host dies before the checkpoint is written
    let state: RebuildState = await rebuildStep(deps, named, 2); // the same step again, from the same checkpoint
    expect(state).toMatchObject({ phase: 'load', index: 'movies-embedded-2' });
    expect(created).toEqual(['movies-embedded-2', 'movies-embedded-2']);

    while (state.phase !== 'done') state = await rebuildStep(deps, state, 2);
    expect(state).toMatchObject({ loaded: 3, previous: ['movies-embedded-1'] });
    expect(await app.readStore.currentIndex()).toBe('movies-embedded-2');
    expect(deleted).toEqual(['movies-embedded-1']);
    expect(await app.readStore.newIndexName()).toBe('movies-embedded-3');
    expect((await app.readStore.search({ sort: 'title', limit: 10 })).items.map((m) => m.id)).toEqual(['a', 'b', 'c']);
  });
});

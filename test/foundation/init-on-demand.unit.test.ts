import { describe, expect, it } from 'vitest';
import { initOnDemand } from '../../shared/composition';
import { createEmbeddedReadStore } from '../../shared/read-model/embedded';
import { ReadStoreUnavailableError, type ReadStore } from '../../shared/read-model/port';

describe('read store initialised on demand', () => {
  it('a store that is down at start-up is initialised on its first use once it is back', async () => {
    const inner = createEmbeddedReadStore();
    let down = true;
    let inits = 0;
    const flaky: ReadStore = {
      ...inner,
      kind: inner.kind,
      async init() {
        inits++;
        if (down) throw new ReadStoreUnavailableError('down at start-up');
        return inner.init();
      },
    };
    const store = initOnDemand(flaky);
    await expect(store.init()).rejects.toBeInstanceOf(ReadStoreUnavailableError);
    await expect(store.get('x')).rejects.toBeInstanceOf(ReadStoreUnavailableError);
    down = false;
    const movie = { id: 'm', version: 1, title: 'T', createdAt: 'c', updatedAt: 'u' };
    expect(await store.apply([{ kind: 'movie', movie }])).toEqual(['applied']);
    expect(await store.get('m')).toEqual({ kind: 'movie', movie });
    await store.search({ sort: 'title', limit: 5 });
    expect(inits).toBe(3); // two failed attempts, one success, then no more
  });
});

describe('every read-store method waits for the initialisation', () => {
  /** An embedded store whose initialisation fails: a method that does not wait for it answers anyway. */
  const down = (): ReadStore => {
    const inner = createEmbeddedReadStore();
    return { ...inner, kind: inner.kind, init: () => Promise.reject(new ReadStoreUnavailableError('down')) };
  };
  /** Awaits a method's answer, or drains it when it is a stream. */
  const settle = async (answer: unknown): Promise<unknown> => {
    if (answer instanceof Promise) return await answer;
    if (answer !== null && typeof answer === 'object' && Symbol.asyncIterator in answer) {
      const items: unknown[] = [];
      for await (const item of answer as AsyncIterable<unknown>) items.push(item);
      return items;
    }
    return answer;
  };
  // Read from a real store, so a method the port gains is checked here without a change to this test.
  const methods = Object.keys(createEmbeddedReadStore()).filter(
    (name) => typeof createEmbeddedReadStore()[name as keyof ReadStore] === 'function',
  );

  it('the methods are read from the store', () => {
    expect(methods).toEqual(
      expect.arrayContaining(['apply', 'get', 'search', 'suggest', 'scan', 'refresh', 'createIndex', 'swapAlias']),
    );
  });

  it.each(methods.filter((name) => !['init', 'health', 'close'].includes(name)))(
    '%s fails with the initialisation error while the store cannot be initialised',
    async (name) => {
      const store = initOnDemand(down()) as unknown as Record<string, (...args: unknown[]) => unknown>;
      const args: Record<string, unknown[]> = {
        apply: [[]],
        get: ['m'],
        search: [{ sort: 'title', limit: 5 }],
        suggest: [{ q: 'a', limit: 5 }],
        swapAlias: ['movies-x'],
        deleteIndex: ['movies-x'],
      };
      await expect(settle(store[name]!(...(args[name] ?? [])))).rejects.toThrow(new ReadStoreUnavailableError('down'));
    },
  );

  it('health and close answer without it', async () => {
    const store = initOnDemand(down());
    expect(await store.health()).toBe('up');
    await store.close();
  });
});

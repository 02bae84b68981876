import { describe, expect, it } from 'vitest';
import { initOnDemand, onFirstUse } from '../../shared/composition';
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
      expect.arrayContaining([
        'apply',
        'get',
        'search',
        'suggest',
        'scan',
        'refresh',
        'newIndexName',
        'createIndex',
        'swapAlias',
      ]),
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

describe('a port built on its first use (the Azure host)', () => {
  /** An embedded read store behind onFirstUse, counting builds; the first `failures` builds throw. */
  const lazyStore = (failures = 0) => {
    let builds = 0;
    const store = onFirstUse<ReadStore>(
      async () => {
        builds++;
        if (builds <= failures) throw new Error(`build ${builds} failed`);
        const inner = createEmbeddedReadStore();
        await inner.init();
        return inner;
      },
      { kind: 'embedded' },
    );
    return { store, builds: () => builds };
  };
  const movie = { id: 'm', version: 1, title: 'T', createdAt: 'c', updatedAt: 'u' };

  it('builds nothing until a method is called: known members, awaiting the port and close do not build it', async () => {
    const { store, builds } = lazyStore();
    expect(store.kind).toBe('embedded');
    expect(await Promise.resolve(store)).toBe(store);
    await store.close();
    expect(builds()).toBe(0);
  });

  it('builds once for concurrent first calls, and every method then reaches the one adapter, streams included', async () => {
    const { store, builds } = lazyStore();
    const [applied, missing] = await Promise.all([store.apply([{ kind: 'movie', movie }]), store.get('x')]);
    expect(applied).toEqual(['applied']);
    expect(missing).toBeNull();
    expect(await store.get('m')).toEqual({ kind: 'movie', movie });
    const scanned: unknown[] = [];
    for await (const batch of store.scan(10)) scanned.push(...batch);
    expect(scanned).toEqual([{ kind: 'movie', movie }]);
    expect(builds()).toBe(1);
  });

  it('a failed build fails the call that asked, and the next call builds again', async () => {
    const { store, builds } = lazyStore(1);
    await expect(store.get('m')).rejects.toThrow('build 1 failed');
    expect(await store.get('m')).toBeNull();
    expect(builds()).toBe(2);
  });
});

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

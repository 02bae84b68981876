/**
 * The DeadLetterStore contract: the blob store (Azurite), the folder store and the in-memory store run
 * this same suite. `fresh()` opens an empty store.
 */
import { describe, expect, it } from 'vitest';
import type { CloudEventEnvelope, DeadLetter, DeadLetterStore } from '../../shared/ports';

const event = (id: string): CloudEventEnvelope => ({
  specversion: '1.0',
  id,
  source: '/movie-catalog/movies',
  type: 'Movies.MovieCreated.v1',
  subject: `movies/${id.split(':')[0]}`,
  time: '2026-01-01T00:00:00.000Z',
  datacontenttype: 'application/json',
  data: { type: 'MovieCreated', state: { id: id.split(':')[0], version: 1, title: 'T' } },
  traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
});

const entry = (id: string, reason: string, at = '2026-01-01T00:00:00.000Z'): Omit<DeadLetter, 'name'> => ({
  subscription: 'projector',
  event: event(id),
  reason,
  deliveryAttempts: 3,
  deadLetteredAt: at,
  lastError: 'Error: boom',
});

const byName = (records: DeadLetter[]) => [...records].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

export function deadLetterStoreContract(name: string, fresh: () => Promise<DeadLetterStore>): void {
  describe(`DeadLetterStore contract: ${name}`, () => {
    it('an empty store lists nothing', async () => {
      expect(await (await fresh()).list()).toEqual([]);
    });

    it('put returns the record under a new name; list returns it exactly, event and extensions included', async () => {
      const store = await fresh();
      const record = await store.put(entry('m1:1', 'poison: bad data'));
      expect(record).toEqual({ name: record.name, ...entry('m1:1', 'poison: bad data') });
      expect(record.name.length).toBeGreaterThan(0);
      expect(await store.list()).toEqual([record]);
    });

    it('the same event dead-lettered twice is two records with two names', async () => {
      const store = await fresh();
      const a = await store.put(entry('m2:1', 'first'));
      const b = await store.put(entry('m2:1', 'second'));
      expect(a.name).not.toBe(b.name);
      expect(
        byName(await store.list())
          .map((r) => r.reason)
          .sort(),
      ).toEqual(['first', 'second']);
    });

    it('remove deletes exactly the named record; removing it again is a no-op', async () => {
      const store = await fresh();
      const a = await store.put(entry('m3:1', 'a'));
      const b = await store.put(entry('m3:2', 'b'));
      const c = await store.put(entry('m3:3', 'c'));
      await store.remove(b.name);
      await store.remove(b.name);
      expect(byName(await store.list())).toEqual(byName([a, c]));
    });

    it('pages: each page at most limit, resumed from next, every record exactly once, next null at the end', async () => {
      const store = await fresh();
      const put = [];
      for (const n of [1, 2, 3, 4, 5])
        put.push(await store.put(entry(`p${n}:1`, `r${n}`, `2026-01-0${n}T00:00:00.000Z`)));
      const seen: DeadLetter[] = [];
      let after: string | undefined;
      let pages = 0;
      for (;;) {
        const page = await store.listPage({ ...(after === undefined ? {} : { after }), limit: 2 });
        expect(page.items.length).toBeLessThanOrEqual(2);
        seen.push(...page.items);
        pages++;
        if (page.next === null) break;
        after = page.next;
        expect(pages).toBeLessThan(10);
      }
      expect(byName(seen)).toEqual(byName(put));
      expect(pages).toBeGreaterThanOrEqual(3);
      expect(await (await fresh()).listPage({ limit: 10 })).toEqual({ items: [], next: null });
    });

    it('a record removed while paging does not stop the pages after it', async () => {
      const store = await fresh();
      for (const n of [1, 2, 3, 4]) await store.put(entry(`q${n}:1`, `r${n}`, `2026-02-0${n}T00:00:00.000Z`));
      const first = await store.listPage({ limit: 2 });
      for (const r of first.items) await store.remove(r.name);
      const rest = await store.listPage({ after: first.next!, limit: 10 });
      expect(rest.items.map((r) => r.reason).sort()).toEqual(
        ['r1', 'r2', 'r3', 'r4'].filter((r) => !first.items.some((f) => f.reason === r)),
      );
      expect(rest.next).toBeNull();
    });
  });
}

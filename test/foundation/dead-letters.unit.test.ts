import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDeadLetterBlob } from '../../shared/adapters/blob-dead-letters';
import { createFileDeadLetterStore, firstNames } from '../../shared/adapters/file-dead-letters';

const event = {
  specversion: '1.0' as const,
  id: 'm1:1',
  source: '/movie-catalog/movies',
  type: 'Movies.MovieCreated.v1',
  data: { x: 1 },
};

describe('dead-letter stores', () => {
  it('reads Event Grid’s own dead-letter blobs (an array of events with delivery fields)', () => {
    const blob = JSON.stringify([
      {
        ...event,
        deadletterreason: 'MaxDeliveryAttemptsExceeded',
        deliveryattempts: 10,
        lastdeliveryoutcome: 'Probation',
        deadlettertime: '2026-01-01T00:00:00Z',
      },
      { ...event, id: 'm2:1', deadletterreason: 'TimeToLiveExceeded', deliveryattempts: 3 },
    ]);
    const records = parseDeadLetterBlob('movie-events/projector/2026/01/01/00/abc.json', blob);
    expect(records).toEqual([
      {
        name: 'movie-events/projector/2026/01/01/00/abc.json#m1:1',
        subscription: 'projector',
        event,
        reason: 'MaxDeliveryAttemptsExceeded',
        deliveryAttempts: 10,
        deadLetteredAt: '2026-01-01T00:00:00Z',
        lastError: 'Probation',
      },
      expect.objectContaining({
        name: 'movie-events/projector/2026/01/01/00/abc.json#m2:1',
        reason: 'TimeToLiveExceeded',
        deliveryAttempts: 3,
        event: { ...event, id: 'm2:1' },
      }),
    ]);
  });

  it('reads the projector’s own poison records', () => {
    const record = {
      subscription: 'projector',
      event,
      reason: 'poison: bad',
      deliveryAttempts: 1,
      deadLetteredAt: '2026-01-01T00:00:00Z',
    };
    expect(parseDeadLetterBlob('projector/2026-01-01/x.json', JSON.stringify({ name: 'ignored', ...record }))).toEqual([
      { ...record, name: 'projector/2026-01-01/x.json' },
    ]);
  });

  it('a folder store keeps one file per event, lists them oldest first, and removes by name only', async () => {
    const store = createFileDeadLetterStore(join(mkdtempSync(join(tmpdir(), 'dl-')), 'nested'));
    expect(await store.list()).toEqual([]);
    const a = await store.put({
      subscription: 'projector',
      event,
      reason: 'r1',
      deliveryAttempts: 1,
      deadLetteredAt: '2026-01-01T00:00:00.000Z',
    });
    const b = await store.put({
      subscription: 'projector',
      event: { ...event, id: 'weird/../id' },
      reason: 'r2',
      deliveryAttempts: 2,
      deadLetteredAt: '2026-01-02T00:00:00.000Z',
    });
    expect((await store.list()).map((d) => d.reason)).toEqual(['r1', 'r2']);
    expect(b.name).not.toContain('/');
    await expect(store.remove('../escape.json')).rejects.toThrow();
    await store.remove(a.name);
    expect((await store.list()).map((d) => d.name)).toEqual([b.name]);
  });

  it('a folder page is the first names after the position, whatever order the folder lists them in', () => {
    const names = ['d.json', 'a.json', 'notes.txt', 'f.json', 'b.json', 'e.json', 'c.json'];
    expect(firstNames(names, undefined, 3)).toEqual({ names: ['a.json', 'b.json', 'c.json'], more: true });
    expect(firstNames(names, 'c.json', 3)).toEqual({ names: ['d.json', 'e.json', 'f.json'], more: false });
    expect(firstNames(names, 'e.json', 3)).toEqual({ names: ['f.json'], more: false });
    expect(firstNames([], undefined, 3)).toEqual({ names: [], more: false });
    // 2,000 names in descending order (each one the smallest so far): still the first 2.
    const many = Array.from({ length: 2000 }, (_, i) => `${String(1999 - i).padStart(4, '0')}.json`);
    expect(firstNames(many, '0997.json', 2)).toEqual({ names: ['0998.json', '0999.json'], more: true });
  });

  it('a folder store pages its records by name, 2 at a time', async () => {
    const store = createFileDeadLetterStore(mkdtempSync(join(tmpdir(), 'dl-')));
    for (const day of ['05', '03', '01', '04', '02'])
      await store.put({
        subscription: 'projector',
        event,
        reason: `day ${day}`,
        deliveryAttempts: 1,
        deadLetteredAt: `2026-01-${day}T00:00:00.000Z`,
      });
    const first = await store.listPage({ limit: 2 });
    const second = await store.listPage({ after: first.next!, limit: 2 });
    const third = await store.listPage({ after: second.next!, limit: 2 });
    expect([first, second, third].map((p) => [p.items.map((d) => d.reason), p.next === null])).toEqual([
      [['day 01', 'day 02'], false],
      [['day 03', 'day 04'], false],
      [['day 05'], true],
    ]);
  });
});

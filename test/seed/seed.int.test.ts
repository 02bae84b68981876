/**
 * Seeding through the public command API, against the local host: a slice of 200 real records goes in
 * once; a second run replays every request (201 + Idempotent-Replayed) and writes nothing new to the
 * write store; the record without a title is skipped and counted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../shared/ports';
import { loadVegaMovies, seedCatalog, seedIfEmpty } from '../../scripts/seed';
import { startTestHost, FUNCTION_KEY, type TestHost } from '../support/host';

// 200 records around the one without a title (#3053).
const FIRST = 2960;
const slice = loadVegaMovies().slice(FIRST, FIRST + 200);

async function allEvents(host: TestHost): Promise<StoredEvent[]> {
  const events: StoredEvent[] = [];
  for await (const batch of host.deps.eventStore.eventsSince('1970-01-01T00:00:00.000Z', 500)) events.push(...batch);
  return events;
}

describe('seed', () => {
  let host: TestHost;
  beforeAll(async () => {
    host = await startTestHost();
  });
  afterAll(async () => {
    await host?.stop();
  });

  it('writes a slice once, replays it on a re-run, and counts what it skipped', async () => {
    const first = await seedCatalog({
      url: host.url,
      key: FUNCTION_KEY,
      records: slice,
      firstIndex: FIRST,
      concurrency: 8,
    });
    expect(first).toMatchObject({ total: 200, created: 199, replayed: 0, skipped: { 'no title': 1 }, failed: 0 });
    expect(first.ids).toHaveLength(199);
    await host.settle();

    const written = await allEvents(host);
    expect(written).toHaveLength(199);
    expect(new Set(written.map((e) => e.movieId))).toEqual(new Set(first.ids));
    const heat = written.find((e) => e.state.title === slice[0]!.Title);
    expect(heat?.metadata.idempotencyKey).toMatch(/^seed-v1-/);

    const second = await seedCatalog({
      url: host.url,
      key: FUNCTION_KEY,
      records: slice,
      firstIndex: FIRST,
      concurrency: 8,
    });
    expect(second).toMatchObject({ total: 200, created: 0, replayed: 199, skipped: { 'no title': 1 }, failed: 0 });
    expect(second.ids).toEqual(first.ids);
    await host.settle();

    // Nothing new in the write store: same events, every movie still at version 1.
    const after = await allEvents(host);
    expect(after.map((e) => e.id).sort()).toEqual(written.map((e) => e.id).sort());
    expect(after.every((e) => e.version === 1)).toBe(true);
    const listed = await host.api('movies?limit=1');
    expect(listed.json.total).toBe(199);
  });

  it('the same record at another position in the table is another movie (the key includes the index)', async () => {
    const summary = await seedCatalog({
      url: host.url,
      key: FUNCTION_KEY,
      records: slice.slice(0, 1),
      firstIndex: FIRST + 10_000,
    });
    expect(summary).toMatchObject({ created: 1, replayed: 0 });
  });

  it('seedIfEmpty leaves a catalog that has movies alone', async () => {
    const before = (await allEvents(host)).length;
    await seedIfEmpty(host);
    expect((await allEvents(host)).length).toBe(before);
  });

  it('stops at once on a wrong key instead of failing 200 times', async () => {
    await expect(seedCatalog({ url: host.url, key: 'wrong', records: slice })).rejects.toThrow(/401.*FUNCTION_KEY/);
  });
});

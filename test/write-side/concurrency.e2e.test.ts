/**
 * Concurrency through the local host over real HTTP: racing writers on one movie version, and racing
 * keyed creates. The write model's rule (one document per version, a lost race is a 412 or a replay)
 * must hold when the requests really overlap.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { movieIdForIdempotencyKey } from '../../shared/write-model/commands';
import { startTestHost, type ApiResponse, type TestHost } from '../support/host';

let host: TestHost;
beforeAll(async () => {
  host = await startTestHost();
});
afterAll(async () => {
  await host?.stop();
});

function expectProblem(res: ApiResponse, status: number): void {
  expect(res.status, res.text).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json\b/);
  expect(res.json).toMatchObject({
    type: expect.any(String),
    title: expect.any(String),
    status,
    detail: expect.any(String),
  });
}

async function create(title: string): Promise<{ id: string; version: number }> {
  const res = await host.api('movies', { method: 'POST', body: { title, genres: ['Drama'] } });
  expect(res.status, res.text).toBe(201);
  return { id: res.json.id as string, version: res.json.version as number };
}

async function versionsOf(id: string) {
  return (await host.deps.eventStore.history(id, { limit: 1000 })).map((e) => ({
    version: e.version,
    type: e.type,
    title: e.state.title,
  }));
}

/** Every event in the write store whose movie is `id` and version is `version`. */
async function countVersion(id: string, version: number): Promise<number> {
  let n = 0;
  for await (const batch of host.deps.eventStore.eventsSince('1970-01-01T00:00:00.000Z'))
    n += batch.filter((e) => e.movieId === id && e.version === version).length;
  return n;
}

const keyedCreate = (key: string, body: unknown) =>
  host.api('movies', { method: 'POST', body, headers: { 'Idempotency-Key': key } });

describe('concurrent writers', () => {
  it('50 concurrent conflicting PATCH and PUT with one If-Match: exactly one 200, 49 × 412 naming the current version', async () => {
    const movie = await create('Contended');
    const ifMatch = `"${movie.version}"`;
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        i % 2 === 0
          ? host.api(`movies/${movie.id}`, {
              method: 'PATCH',
              rawBody: JSON.stringify({ title: `Patch ${i}` }),
              headers: { 'content-type': 'application/merge-patch+json', 'if-match': ifMatch },
            })
          : host.api(`movies/${movie.id}`, {
              method: 'PUT',
              body: { title: `Put ${i}`, genres: ['Thriller'] },
              headers: { 'if-match': ifMatch },
            }),
      ),
    );
    const winners = results.filter((r) => r.status === 200);
    const losers = results.filter((r) => r.status !== 200);
    expect(winners).toHaveLength(1);
    expect(losers).toHaveLength(49);
    const winner = winners[0]!;
    expect(winner.json.version).toBe(movie.version + 1);
    expect(winner.headers.get('etag')).toBe(`"${movie.version + 1}"`);
    for (const res of losers) {
      expectProblem(res, 412);
      expect(res.json.currentVersion).toBe(movie.version + 1);
      expect(res.headers.get('etag')).toBe(`"${movie.version + 1}"`);
    }
    // exactly one new version, and it is the winner's
    const history = await versionsOf(movie.id);
    expect(history.map((h) => h.version)).toEqual([movie.version + 1, movie.version]);
    expect(history[0]!.title).toBe(winner.json.title);
    const overHttp = await host.api(`movies/${movie.id}/history`);
    expect(overHttp.json.items.map((i: { version: number }) => i.version)).toEqual([movie.version + 1, movie.version]);
    expect(await countVersion(movie.id, movie.version + 1)).toBe(1);
  });

  it('concurrent DELETE and PATCH with one If-Match: one wins, the rest are 412, and nothing follows the winner', async () => {
    const movie = await create('Deleted or patched');
    const ifMatch = `"${movie.version}"`;
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        i % 2 === 0
          ? host.api(`movies/${movie.id}`, { method: 'DELETE', headers: { 'if-match': ifMatch } })
          : host.api(`movies/${movie.id}`, {
              method: 'PATCH',
              rawBody: JSON.stringify({ title: `Patch ${i}` }),
              headers: { 'content-type': 'application/merge-patch+json', 'if-match': ifMatch },
            }),
      ),
    );
    const ok = results.filter((r) => r.status === 200 || r.status === 204);
    expect(ok).toHaveLength(1);
    for (const res of results.filter((r) => r !== ok[0])) {
      // 412 (the version moved on) or, after a delete won, 404 (the movie is gone)
      expect([412, 404], res.text).toContain(res.status);
      expectProblem(res, res.status);
    }
    expect((await versionsOf(movie.id)).map((h) => h.version)).toEqual([movie.version + 1, movie.version]);
  });

  it('20 concurrent PUT creates of one client-chosen id (If-None-Match: *): one 201, 19 × 412', async () => {
    const id = `race-${Date.now().toString(36)}`;
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        host.api(`movies/${id}`, { method: 'PUT', body: { title: `Racer ${i}` }, headers: { 'if-none-match': '*' } }),
      ),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    const losers = results.filter((r) => r.status !== 201);
    expect(losers).toHaveLength(19);
    for (const res of losers) {
      expectProblem(res, 412);
      expect(res.json.currentVersion).toBe(1);
    }
    expect(await versionsOf(id)).toHaveLength(1);
  });
});

describe('concurrent creates with one Idempotency-Key', () => {
  it('same key, same body, 20 at once: all 201 with identical bodies, one movie written, 19 replayed', async () => {
    const key = `idem-same-${Date.now()}`;
    const body = { title: 'Idempotent', genres: ['Comedy', 'Drama'], runtimeMinutes: 101 };
    const results = await Promise.all(Array.from({ length: 20 }, () => keyedCreate(key, body)));
    for (const res of results) expect(res.status, res.text).toBe(201);
    expect(new Set(results.map((r) => r.text)).size).toBe(1);
    expect(new Set(results.map((r) => r.headers.get('etag'))).size).toBe(1);
    expect(new Set(results.map((r) => r.headers.get('location'))).size).toBe(1);
    expect(results.filter((r) => r.headers.get('idempotent-replayed') === 'true')).toHaveLength(19);
    expect(results.filter((r) => r.headers.get('idempotent-replayed') === null)).toHaveLength(1);
    const id = results[0]!.json.id as string;
    expect(id).toBe(movieIdForIdempotencyKey(key));
    expect(await countVersion(id, 1)).toBe(1);
    expect(await versionsOf(id)).toEqual([{ version: 1, type: 'MovieCreated', title: 'Idempotent' }]);
    // and a later retry still replays
    const late = await keyedCreate(key, { runtimeMinutes: 101, genres: ['Comedy', 'Drama'], title: 'Idempotent' });
    expect(late.status).toBe(201);
    expect(late.headers.get('idempotent-replayed')).toBe('true');
    expect(late.text).toBe(results[0]!.text);
  });

  it('same key, 20 different bodies at once: one 201, 19 × 422, one movie written', async () => {
    const key = `idem-diff-${Date.now()}`;
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => keyedCreate(key, { title: `Different ${i}` })),
    );
    const created = results.filter((r) => r.status === 201);
    expect(created).toHaveLength(1);
    expect(created[0]!.headers.get('idempotent-replayed')).toBeNull();
    for (const res of results.filter((r) => r.status !== 201)) expectProblem(res, 422);
    const id = movieIdForIdempotencyKey(key);
    expect(await versionsOf(id)).toEqual([{ version: 1, type: 'MovieCreated', title: created[0]!.json.title }]);
  });

  it('same key, two bodies racing 10 × 10: the winner’s body is 201 (once fresh, 9 replayed), the other body 422', async () => {
    const key = `idem-mixed-${Date.now()}`;
    const bodies = [{ title: 'Body A' }, { title: 'Body B' }];
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        keyedCreate(key, bodies[i % 2]).then((res) => ({ res, body: bodies[i % 2]! })),
      ),
    );
    const winnerTitle = (await host.deps.eventStore.get(movieIdForIdempotencyKey(key), 1))?.state.title;
    expect(['Body A', 'Body B']).toContain(winnerTitle);
    for (const { res, body } of results) {
      if (body.title === winnerTitle) {
        expect(res.status, res.text).toBe(201);
        expect(res.json.title).toBe(winnerTitle);
      } else expectProblem(res, 422);
    }
    const fresh = results.filter(({ res }) => res.status === 201 && res.headers.get('idempotent-replayed') === null);
    expect(fresh).toHaveLength(1);
    expect(results.filter(({ res }) => res.headers.get('idempotent-replayed') === 'true')).toHaveLength(9);
    expect(await countVersion(movieIdForIdempotencyKey(key), 1)).toBe(1);
  });
});

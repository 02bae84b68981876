/**
 * The command API over HTTP through the local host: every status of the contract, idempotent retries,
 * optimistic concurrency, and nothing written on bad input.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../shared/ports';
import { startTestHost, type TestHost } from '../support/host';

let host: TestHost;
beforeAll(async () => {
  host = await startTestHost();
});
afterAll(async () => host.stop());

const alien = {
  title: 'Alien',
  releaseDate: '1979-05-25',
  genres: ['Horror', 'Sci-Fi'],
  director: 'Ridley Scott',
  imdbRating: 8.5,
};
const MERGE = { 'content-type': 'application/merge-patch+json' };

async function allEvents(): Promise<StoredEvent[]> {
  const out: StoredEvent[] = [];
  for await (const batch of host.deps.eventStore.eventsSince('1970-01-01T00:00:00.000Z')) out.push(...batch);
  return out;
}

async function create(body: object = alien) {
  const res = await host.api('movies', { method: 'POST', body });
  expect(res.status).toBe(201);
  return res;
}

/** Asserts `fn` yields a problem with `status` and writes nothing. */
async function expectProblemAndNoWrite(status: number, fn: () => ReturnType<TestHost['api']>) {
  const before = (await allEvents()).length;
  const res = await fn();
  expect(res.status, res.text).toBe(status);
  expect(res.headers.get('content-type')).toContain('application/problem+json');
  expect(res.json).toMatchObject({
    status,
    type: expect.any(String),
    title: expect.any(String),
    detail: expect.any(String),
  });
  expect((await allEvents()).length).toBe(before);
  return res;
}

describe('POST /movies', () => {
  it('creates: 201, Location, ETag "1", the representation with derived year', async () => {
    const res = await create();
    expect(res.headers.get('etag')).toBe('"1"');
    expect(res.headers.get('location')).toBe(`/api/movies/${res.json.id}`);
    expect(res.json).toMatchObject({ ...alien, version: 1, year: 1979 });
    expect(res.json.createdAt).toBe(res.json.updatedAt);
    expect(await host.deps.eventStore.latest(res.json.id)).toMatchObject({ type: 'MovieCreated', version: 1 });
  });

  it('replays a retry with the same Idempotency-Key and body, writing nothing', async () => {
    const headers = { 'Idempotency-Key': 'create-once-1' };
    const first = await host.api('movies', { method: 'POST', body: alien, headers });
    expect(first.status).toBe(201);
    const before = (await allEvents()).length;
    const again = await host.api('movies', { method: 'POST', body: { ...alien }, headers });
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.json).toEqual(first.json);
    expect((await allEvents()).length).toBe(before);
  });

  it('the same key with a different body is a 422 problem', async () => {
    await host.api('movies', { method: 'POST', body: alien, headers: { 'Idempotency-Key': 'k-422' } });
    await expectProblemAndNoWrite(422, () =>
      host.api('movies', { method: 'POST', body: { title: 'Other' }, headers: { 'Idempotency-Key': 'k-422' } }),
    );
  });

  it('lists every bad field in one 400', async () => {
    const res = await expectProblemAndNoWrite(400, () =>
      host.api('movies', { method: 'POST', body: { title: '', mpaaRating: 'X', runtimeMinutes: 0, bogus: true } }),
    );
    expect(res.json.errors.map((e: { path: string }) => e.path).sort()).toEqual([
      'body.bogus',
      'body.mpaaRating',
      'body.runtimeMinutes',
      'body.title',
    ]);
  });

  it('malformed JSON 400, invalid UTF-8 400, over 64 KiB 413, wrong content type 415, no key 401', async () => {
    await expectProblemAndNoWrite(400, () =>
      host.api('movies', { method: 'POST', rawBody: '{"title": ', headers: { 'content-type': 'application/json' } }),
    );
    await expectProblemAndNoWrite(400, () =>
      host.api('movies', {
        method: 'POST',
        rawBody: new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]),
        headers: { 'content-type': 'application/json' },
      }),
    );
    await expectProblemAndNoWrite(413, () =>
      host.api('movies', { method: 'POST', body: { title: 'Big', description: 'x'.repeat(70_000) } }),
    );
    await expectProblemAndNoWrite(415, () =>
      host.api('movies', { method: 'POST', rawBody: JSON.stringify(alien), headers: { 'content-type': 'text/plain' } }),
    );
    await expectProblemAndNoWrite(401, () => host.api('movies', { method: 'POST', body: alien, key: 'none' }));
    await expectProblemAndNoWrite(400, () =>
      host.api('movies', { method: 'POST', body: alien, headers: { 'Idempotency-Key': 'k'.repeat(201) } }),
    );
  });
});

describe('PUT /movies/{id}', () => {
  it('If-None-Match: * creates with the client id (201), and 412 once it exists', async () => {
    const res = await host.api('movies/client-id-1', { method: 'PUT', body: alien, headers: { 'If-None-Match': '*' } });
    expect(res.status).toBe(201);
    expect(res.json.id).toBe('client-id-1');
    const again = await expectProblemAndNoWrite(412, () =>
      host.api('movies/client-id-1', { method: 'PUT', body: alien, headers: { 'If-None-Match': '*' } }),
    );
    expect(again.json.currentVersion).toBe(1);
  });

  it('If-Match replaces the whole movie: 200 and the new ETag', async () => {
    const { json } = await create();
    const res = await host.api(`movies/${json.id}`, {
      method: 'PUT',
      body: { title: 'Aliens' },
      headers: { 'If-Match': '"1"' },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('etag')).toBe('"2"');
    expect(res.json).toMatchObject({ title: 'Aliens', version: 2 });
    expect(res.json).not.toHaveProperty('director');
  });

  it('a stale If-Match is a 412 carrying the current version and ETag', async () => {
    const { json } = await create();
    await host.api(`movies/${json.id}`, { method: 'PUT', body: { title: 'v2' }, headers: { 'If-Match': '"1"' } });
    const res = await expectProblemAndNoWrite(412, () =>
      host.api(`movies/${json.id}`, { method: 'PUT', body: { title: 'stale' }, headers: { 'If-Match': '"1"' } }),
    );
    expect(res.json.currentVersion).toBe(2);
    expect(res.headers.get('etag')).toBe('"2"');
  });

  it('no precondition 428, garbage If-Match 400, impossible id 404, unknown id 404', async () => {
    const { json } = await create();
    await expectProblemAndNoWrite(428, () => host.api(`movies/${json.id}`, { method: 'PUT', body: alien }));
    await expectProblemAndNoWrite(400, () =>
      host.api(`movies/${json.id}`, { method: 'PUT', body: alien, headers: { 'If-Match': 'yesterday' } }),
    );
    await expectProblemAndNoWrite(404, () =>
      host.api('movies/bad.id!', { method: 'PUT', body: alien, headers: { 'If-None-Match': '*' } }),
    );
    await expectProblemAndNoWrite(404, () =>
      host.api('movies/nobody-here', { method: 'PUT', body: alien, headers: { 'If-Match': '"1"' } }),
    );
  });
});

describe('PATCH /movies/{id}', () => {
  it('applies a merge patch (null removes a field): 200 and the new ETag', async () => {
    const { json } = await create();
    const res = await host.api(`movies/${json.id}`, {
      method: 'PATCH',
      rawBody: JSON.stringify({ imdbRating: null, runtimeMinutes: 117 }),
      headers: { ...MERGE, 'If-Match': '"1"' },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('etag')).toBe('"2"');
    expect(res.json).toMatchObject({ title: 'Alien', runtimeMinutes: 117, version: 2 });
    expect(res.json).not.toHaveProperty('imdbRating');
  });

  it('needs merge-patch content (415), If-Match (428), and a removable field (400)', async () => {
    const { json } = await create();
    await expectProblemAndNoWrite(415, () =>
      host.api(`movies/${json.id}`, { method: 'PATCH', body: { title: 'x' }, headers: { 'If-Match': '"1"' } }),
    );
    await expectProblemAndNoWrite(428, () =>
      host.api(`movies/${json.id}`, { method: 'PATCH', rawBody: '{"title":"x"}', headers: MERGE }),
    );
    await expectProblemAndNoWrite(400, () =>
      host.api(`movies/${json.id}`, {
        method: 'PATCH',
        rawBody: '{"title":null}',
        headers: { ...MERGE, 'If-Match': '"1"' },
      }),
    );
  });

  it('a patch that changes nothing answers 200 with the same version and writes nothing', async () => {
    const { json } = await create();
    const before = (await allEvents()).length;
    const res = await host.api(`movies/${json.id}`, {
      method: 'PATCH',
      rawBody: JSON.stringify({ title: 'Alien' }),
      headers: { ...MERGE, 'If-Match': '"1"' },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('etag')).toBe('"1"');
    expect((await allEvents()).length).toBe(before);
  });

  it('20 concurrent patches with the same If-Match: exactly one 200, the rest 412, one new version', async () => {
    const { json } = await create();
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        host.api(`movies/${json.id}`, {
          method: 'PATCH',
          rawBody: JSON.stringify({ runtimeMinutes: 100 + i }),
          headers: { ...MERGE, 'If-Match': '"1"' },
        }),
      ),
    );
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(results.filter((r) => r.status === 412)).toHaveLength(19);
    const history = await host.api(`movies/${json.id}/history`);
    expect(history.json.items.map((i: { version: number }) => i.version)).toEqual([2, 1]);
  });
});

describe('DELETE /movies/{id}', () => {
  it('204 with If-Match; afterwards the id is gone for every command (404)', async () => {
    const { json } = await create();
    const res = await host.api(`movies/${json.id}`, { method: 'DELETE', headers: { 'If-Match': '"1"' } });
    expect(res.status).toBe(204);
    expect(res.headers.get('etag')).toBe('"2"');
    await expectProblemAndNoWrite(404, () =>
      host.api(`movies/${json.id}`, { method: 'DELETE', headers: { 'If-Match': '"2"' } }),
    );
    await expectProblemAndNoWrite(404, () =>
      host.api(`movies/${json.id}`, {
        method: 'PATCH',
        rawBody: '{"title":"x"}',
        headers: { ...MERGE, 'If-Match': '"2"' },
      }),
    );
    await expectProblemAndNoWrite(428, () => host.api(`movies/${json.id}`, { method: 'DELETE' }));
  });
});

describe('GET /movies/{id}/history', () => {
  it('pages the versions newest first with an opaque cursor; 404 unknown; 400 bad cursor or limit', async () => {
    const { json } = await create();
    for (let v = 1; v <= 4; v++) {
      await host.api(`movies/${json.id}`, {
        method: 'PATCH',
        rawBody: JSON.stringify({ runtimeMinutes: 90 + v }),
        headers: { ...MERGE, 'If-Match': `"${v}"` },
      });
    }
    const first = await host.api(`movies/${json.id}/history?limit=2`);
    expect(first.status).toBe(200);
    expect(first.json.items.map((i: { version: number }) => i.version)).toEqual([5, 4]);
    expect(first.json.items[0]).toMatchObject({
      type: 'MovieUpdated',
      changed: ['runtimeMinutes'],
      movie: { runtimeMinutes: 94 },
    });
    const second = await host.api(`movies/${json.id}/history?limit=2&cursor=${first.json.nextCursor}`);
    expect(second.json.items.map((i: { version: number }) => i.version)).toEqual([3, 2]);
    const last = await host.api(`movies/${json.id}/history?limit=2&cursor=${second.json.nextCursor}`);
    expect(last.json).toMatchObject({ items: [{ version: 1, type: 'MovieCreated' }], nextCursor: null });
    expect((await host.api('movies/never-was/history')).status).toBe(404);
    expect((await host.api(`movies/${json.id}/history?cursor=%%%`)).status).toBe(400);
    expect((await host.api(`movies/${json.id}/history?limit=0`)).status).toBe(400);
    expect((await host.api(`movies/${json.id}/history?extra=1`)).status).toBe(400);
  });
});

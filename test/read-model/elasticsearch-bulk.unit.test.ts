/**
 * Writing to Elasticsearch, without a server: the bulk operations (external versions), what each bulk item
 * status means, group commit through the alias (concurrent writers share a request once enough are in
 * flight, each gets its own outcome or error), the rebuild load's chunks (an id's entries in one request,
 * in order), and the names of the physical indices behind an alias.
 */
import { describe, expect, it } from 'vitest';
import type { Movie } from '../../shared/domain/movie';
import { bulkOperations, itemResult, type BulkItemResult } from '../../shared/read-model/elasticsearch/bulk';
import { groupCommit } from '../../shared/read-model/elasticsearch/group-commit';
import { chunksById, load } from '../../shared/read-model/elasticsearch/load';
import { indexNames } from '../../shared/read-model/elasticsearch/mappings';
import { ReadStoreUnavailableError, type ReadEntry } from '../../shared/read-model/port';

const at = '2024-01-01T00:00:00.000Z';
const movie = (id: string, version = 1): Movie => ({ id, version, title: id, createdAt: at, updatedAt: at });
const live = (id: string, version = 1): ReadEntry => ({ kind: 'movie', movie: movie(id, version) });

describe('bulk', () => {
  it('each entry is an index operation with its id and external version, then its document', () => {
    expect(bulkOperations([live('a', 3), { kind: 'tombstone', id: 'b', version: 5, deletedAt: at }], 'movies')).toEqual(
      [
        { index: { _index: 'movies', _id: 'a', version: 3, version_type: 'external' } },
        { ...movie('a', 3), deleted: false, titleSort: 'a' },
        { index: { _index: 'movies', _id: 'b', version: 5, version_type: 'external' } },
        { id: 'b', version: 5, deleted: true, deletedAt: at },
      ],
    );
  });

  it('2xx applied, 409 stale; 429, 5xx and a missing index unavailable; anything else rejected', () => {
    const entry = live('m1');
    const item = (status: number, type?: string) => ({
      _index: 'movies-v1-1',
      status,
      ...(type ? { error: { type, reason: 'why' } } : {}),
    });
    expect(itemResult(item(201), entry)).toBe('applied');
    expect(itemResult(item(200), entry)).toBe('applied');
    expect(itemResult(item(409, 'version_conflict_engine_exception'), entry)).toBe('stale');
    for (const unavailable of [
      item(429, 'es_rejected_execution_exception'),
      item(503, 'unavailable_shards_exception'),
      item(404, 'index_not_found_exception'),
    ]) {
      const result = itemResult(unavailable, entry);
      expect(result).toBeInstanceOf(ReadStoreUnavailableError);
    }
    expect((itemResult(item(503, 'unavailable_shards_exception'), entry) as Error).message).toBe(
      "Elasticsearch could not index 'm1' (503 unavailable_shards_exception: why)",
    );
    const rejected = itemResult(item(400, 'strict_dynamic_mapping_exception'), entry);
    expect(rejected).not.toBeInstanceOf(ReadStoreUnavailableError);
    expect((rejected as Error).message).toBe("Elasticsearch rejected 'm1' (400 strict_dynamic_mapping_exception: why)");
  });
});

/** A bulk sender whose requests the test answers by hand. */
function heldSender() {
  const requests: Array<{ ids: string[]; answer: (results: BulkItemResult[]) => void; fail: (e: unknown) => void }> =
    [];
  const send = (entries: readonly ReadEntry[]) =>
    new Promise<BulkItemResult[]>((resolve, reject) => {
      requests.push({
        ids: entries.map((e) => (e.kind === 'movie' ? e.movie.id : e.id)),
        answer: resolve,
        fail: reject,
      });
    });
  return { requests, send };
}

/** Lets settled requests run their callbacks (a request frees its slot after its writers are answered). */
const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('groupCommit', () => {
  it('sends at once while requests are free; then waiting writers go together when one returns', async () => {
    const { requests, send } = heldSender();
    const write = groupCommit(send, { maxInFlight: 2, maxDocuments: 3 });
    const a = write([live('a')]);
    const b = write([live('b')]);
    const c = write([live('c'), live('d')]);
    const e = write([live('e')]);
    const f = write([live('f')]);
    expect(requests.map((r) => r.ids)).toEqual([['a'], ['b']]);
    requests[0]!.answer(['applied']);
    await expect(a).resolves.toEqual(['applied']);
    await tick();
    // c (2 entries) and e fit in 3 documents; f waits for the next free request.
    expect(requests.map((r) => r.ids)).toEqual([['a'], ['b'], ['c', 'd', 'e']]);
    requests[2]!.answer(['applied', 'stale', new Error('rejected e')]);
    await expect(c).resolves.toEqual(['applied', 'stale']);
    await expect(e).rejects.toThrow('rejected e');
    await tick();
    expect(requests.map((r) => r.ids)).toEqual([['a'], ['b'], ['c', 'd', 'e'], ['f']]);
    requests[1]!.fail(new ReadStoreUnavailableError('down'));
    await expect(b).rejects.toThrow('down');
    requests[3]!.answer(['applied']);
    await expect(f).resolves.toEqual(['applied']);
  });

  it('a write larger than maxDocuments goes alone, in one request', async () => {
    const { requests, send } = heldSender();
    const write = groupCommit(send, { maxInFlight: 1, maxDocuments: 2 });
    const first = write([live('a')]);
    const big = write([live('b'), live('c'), live('d')]);
    const after = write([live('e')]);
    requests[0]!.answer(['applied']);
    await first;
    await tick();
    expect(requests.map((r) => r.ids)).toEqual([['a'], ['b', 'c', 'd']]);
    requests[1]!.answer(['applied', 'applied', 'applied']);
    await big;
    await tick();
    expect(requests.map((r) => r.ids)).toEqual([['a'], ['b', 'c', 'd'], ['e']]);
    requests[2]!.answer(['stale']);
    await expect(after).resolves.toEqual(['stale']);
  });
});

describe('rebuild load', () => {
  it('chunks of distinct ids; a repeated id stays in the chunk of its first entry, in batch order', () => {
    const entries = [live('a', 1), live('b', 1), live('c', 1), live('a', 2), live('d', 1), live('b', 2)];
    const chunks = chunksById(entries, 2).map((chunk) =>
      chunk.map(({ entry, at: i }) => [entry.kind === 'movie' && entry.movie.id, i]),
    );
    expect(chunks).toEqual([
      [
        ['a', 0],
        ['b', 1],
        ['a', 3],
        ['b', 5],
      ],
      [
        ['c', 2],
        ['d', 4],
      ],
    ]);
  });

  it('outcomes come back in batch order whatever order the requests finish in; an error fails the load', async () => {
    const { requests, send } = heldSender();
    const entries = [live('a'), live('b'), live('c'), live('a', 2)];
    const loading = load(entries, send, { documents: 2, concurrency: 2 });
    expect(requests.map((r) => r.ids)).toEqual([['a', 'b', 'a'], ['c']]);
    requests[1]!.answer(['stale']);
    requests[0]!.answer(['applied', 'applied', 'stale']);
    await expect(loading).resolves.toEqual(['applied', 'applied', 'stale', 'stale']);
    const failing = heldSender();
    const failed = load([live('a')], failing.send, { documents: 2, concurrency: 2 });
    failing.requests[0]!.answer([new Error('rejected a')]);
    await expect(failed).rejects.toThrow('rejected a');
  });
});

describe('index names', () => {
  it('physical indices are <alias>-v<version>-<n>; only those belong to the alias', () => {
    const names = indexNames('movies');
    expect(names.versionPrefix).toBe('movies-v1-');
    expect(names.owns('movies-v1-3')).toBe(true);
    expect(names.owns('movies-v2-10')).toBe(true);
    expect(names.owns('movies-v1-x')).toBe(false);
    expect(names.owns('movies-archive-v1-3')).toBe(false);
    expect(names.owns('moviesx-v1-3')).toBe(false);
    expect(names.counterOf('movies-v1-12')).toBe(12);
  });

  it('an alias must be lower case [a-z0-9_-], not starting with _ or -', () => {
    expect(() => indexNames('Movies')).toThrow(RangeError);
    expect(() => indexNames('_movies')).toThrow(RangeError);
    expect(() => indexNames('mo vies')).toThrow(RangeError);
    expect(indexNames('t-1_a').alias).toBe('t-1_a');
  });
});

/**
 * Command handling on the in-memory ports: load, decide, append, publish. A lost race is a 412 and never
 * an overwrite; a publish failure never fails the command (the relay re-publishes); an Idempotency-Key
 * replays the original outcome and refuses a different body.
 */
import { describe, expect, it } from 'vitest';
import type { CommandMetadata } from '../../shared/domain/decider';
import {
  ConcurrencyConflictError,
  IdempotencyKeyReusedError,
  PreconditionFailedError,
  ValidationError,
} from '../../shared/errors';
import type { EventStore } from '../../shared/ports';
import { handleCommand, movieIdForIdempotencyKey, requestHash } from '../../shared/write-model/commands';
import { createMovie } from '../../functions/create-movie';
import { deleteMovie } from '../../functions/delete-movie';
import { patchMovie } from '../../functions/patch-movie';
import { putMovie } from '../../functions/put-movie';
import { T0, call, memoryApp } from '../support/memory';

const meta = (extra: Partial<CommandMetadata> = {}): CommandMetadata => ({
  occurredAt: T0,
  correlationId: 'corr-1',
  ...extra,
});

describe('command handling', () => {
  it('appends the event, publishes it as a CloudEvent, then marks it dispatched', async () => {
    const app = await memoryApp();
    const outcome = await handleCommand(
      { type: 'CreateMovie', movieId: 'm1', fields: { title: 'Alien' }, metadata: meta() },
      app.deps,
      app.log,
    );
    expect(outcome).toMatchObject({
      kind: 'appended',
      movie: { id: 'm1', version: 1, title: 'Alien', createdAt: T0, updatedAt: T0 },
    });
    expect(app.publisher.accepted.map((e) => [e.id, e.type, e.subject])).toEqual([
      ['m1:1', 'Movies.MovieCreated.v1', 'movies/m1'],
    ]);
    expect((await app.eventStore.get('m1', 1))?.dispatched).toBe(true);
  });

  it('a publish failure does not fail the command: the event is stored undispatched for the relay, and a warning says so', async () => {
    const app = await memoryApp();
    app.publisher.down = true;
    const outcome = await handleCommand(
      { type: 'CreateMovie', movieId: 'm1', fields: { title: 'Alien' }, metadata: meta() },
      app.deps,
      app.log,
    );
    expect(outcome.kind).toBe('appended');
    expect(app.publisher.accepted).toEqual([]);
    expect((await app.eventStore.get('m1', 1))?.dispatched).toBe(false);
    expect(app.log.lines.filter((l) => l.level === 'warn').map((l) => l.text)).toEqual([
      'publish failed for m1:1; the relay will re-publish: topic unavailable (in-memory publisher is down)',
    ]);
  });

  it('a failure to mark dispatched after a good publish does not fail the command either', async () => {
    const app = await memoryApp();
    app.eventStore.failMarkDispatched = true;
    const outcome = await handleCommand(
      { type: 'CreateMovie', movieId: 'm1', fields: { title: 'Alien' }, metadata: meta() },
      app.deps,
      app.log,
    );
    expect(outcome.kind).toBe('appended');
    expect(app.publisher.accepted.map((e) => e.id)).toEqual(['m1:1']);
    expect((await app.eventStore.get('m1', 1))?.dispatched).toBe(false);
    expect(app.log.lines.filter((l) => l.level === 'warn').map((l) => l.text)).toEqual([
      'could not mark m1:1 dispatched (it will be re-published, harmlessly): injected: could not mark dispatched',
    ]);
  });

  it('a change that changes nothing is a no-op: no event, nothing published', async () => {
    const app = await memoryApp();
    await handleCommand(
      { type: 'CreateMovie', movieId: 'm1', fields: { title: 'Alien' }, metadata: meta() },
      app.deps,
      app.log,
    );
    const outcome = await handleCommand(
      { type: 'PatchMovie', movieId: 'm1', expectedVersion: 1, patch: { title: 'Alien' }, metadata: meta() },
      app.deps,
      app.log,
    );
    expect(outcome).toMatchObject({ kind: 'unchanged', movie: { version: 1 } });
    expect(app.eventStore.appends).toBe(1);
    expect(app.publisher.accepted).toHaveLength(1);
  });

  it('an If-Match older than the newest version is a 412 naming the current version, and nothing is appended', async () => {
    const app = await memoryApp();
    await handleCommand(
      { type: 'CreateMovie', movieId: 'm1', fields: { title: 'Alien' }, metadata: meta() },
      app.deps,
      app.log,
    );
    await handleCommand(
      { type: 'PatchMovie', movieId: 'm1', expectedVersion: 1, patch: { title: 'Aliens' }, metadata: meta() },
      app.deps,
      app.log,
    );
    const error = await handleCommand(
      { type: 'PatchMovie', movieId: 'm1', expectedVersion: 1, patch: { title: 'Alien 3' }, metadata: meta() },
      app.deps,
      app.log,
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PreconditionFailedError);
    expect(error).toMatchObject({ status: 412, currentVersion: 2 });
    expect((await app.eventStore.latest('m1'))?.state.title).toBe('Aliens');
  });

  it('losing the append race (another writer took the version between read and write) is a 412 with the winner’s version', async () => {
    const app = await memoryApp();
    await handleCommand(
      { type: 'CreateMovie', movieId: 'm1', fields: { title: 'Alien' }, metadata: meta() },
      app.deps,
      app.log,
    );
    // The rival appends version 2 just before our append does.
    const store = app.deps.eventStore;
    let rivalDone = false;
    const racing: EventStore = {
      ...store,
      async append(event) {
        if (!rivalDone) {
          rivalDone = true;
          await store.append({ ...event, state: { ...event.state, title: 'rival' } });
        }
        return store.append(event);
      },
    };
    const error = await handleCommand(
      { type: 'PatchMovie', movieId: 'm1', expectedVersion: 1, patch: { title: 'mine' }, metadata: meta() },
      { eventStore: racing, publisher: app.publisher },
      app.log,
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PreconditionFailedError);
    expect(error).toMatchObject({
      currentVersion: 2,
      message: 'Another request changed movie m1 first; the current version is 2.',
    });
    expect((await store.latest('m1'))?.state.title).toBe('rival');
  });

  it('a store fault that is not a conflict propagates as it is', async () => {
    const app = await memoryApp();
    const broken: EventStore = { ...app.deps.eventStore, append: () => Promise.reject(new Error('disk on fire')) };
    await expect(
      handleCommand(
        { type: 'CreateMovie', movieId: 'm1', fields: { title: 'A' }, metadata: meta() },
        { eventStore: broken, publisher: app.publisher },
        app.log,
      ),
    ).rejects.toThrow('disk on fire');
    expect(new ConcurrencyConflictError('m', 1)).toBeInstanceOf(Error);
  });
});

describe('idempotent create (Idempotency-Key)', () => {
  const keyed = (key: string, fields: { title: string; director?: string }) => ({
    type: 'CreateMovie' as const,
    movieId: movieIdForIdempotencyKey(key),
    fields,
    metadata: meta({ idempotencyKey: key, requestHash: requestHash(fields) }),
  });

  it('a retry with the same key and the same body replays the original outcome and appends nothing', async () => {
    const app = await memoryApp();
    const first = await handleCommand(keyed('key-1', { title: 'Alien', director: 'Ridley Scott' }), app.deps, app.log);
    const again = await handleCommand(keyed('key-1', { director: 'Ridley Scott', title: 'Alien' }), app.deps, app.log);
    expect(first.kind).toBe('appended');
    expect(again).toEqual({
      kind: 'replayed',
      event: { ...(first as { event: object }).event, dispatched: true },
      movie: first.movie,
    });
    expect(app.eventStore.appends).toBe(1);
  });

  it('the same key with a different body is refused (422) and appends nothing', async () => {
    const app = await memoryApp();
    await handleCommand(keyed('key-2', { title: 'Alien' }), app.deps, app.log);
    const error = await handleCommand(keyed('key-2', { title: 'Aliens' }), app.deps, app.log).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IdempotencyKeyReusedError);
    expect(error).toMatchObject({
      status: 422,
      message: 'This Idempotency-Key was used before with a different request body.',
    });
    expect(app.eventStore.appends).toBe(1);
    expect((await app.eventStore.latest(movieIdForIdempotencyKey('key-2')))?.state.title).toBe('Alien');
  });

  it('two concurrent creates with one key: one appends, the other replays it', async () => {
    const app = await memoryApp();
    const outcomes = await Promise.all([
      handleCommand(keyed('key-3', { title: 'Alien' }), app.deps, app.log),
      handleCommand(keyed('key-3', { title: 'Alien' }), app.deps, app.log),
    ]);
    expect(outcomes.map((o) => o.kind).sort()).toEqual(['appended', 'replayed']);
    expect(app.eventStore.appends).toBe(2);
    expect(
      (await app.eventStore.history(movieIdForIdempotencyKey('key-3'), { limit: 10 })).map((e) => e.version),
    ).toEqual([1]);
  });

  it('a create of a taken id is a 412, with or without a key, when the movie was not made by that key', async () => {
    const app = await memoryApp();
    await handleCommand(
      { type: 'CreateMovie', movieId: 'm1', fields: { title: 'Alien' }, metadata: meta() },
      app.deps,
      app.log,
    );
    const again = await handleCommand(
      { type: 'CreateMovie', movieId: 'm1', fields: { title: 'Alien' }, metadata: meta() },
      app.deps,
      app.log,
    ).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(PreconditionFailedError);
    expect(again).toMatchObject({ status: 412, message: 'Movie m1 already exists.', currentVersion: 1 });
    // PUT /movies/m1 with If-None-Match: * and an Idempotency-Key the movie was not created with
    const keyedPut = await handleCommand(
      {
        type: 'CreateMovie',
        movieId: 'm1',
        fields: { title: 'Alien' },
        metadata: meta({ idempotencyKey: 'key-9', requestHash: requestHash({ id: 'm1', fields: { title: 'Alien' } }) }),
      },
      app.deps,
      app.log,
    ).catch((e: unknown) => e);
    expect(keyedPut).toBeInstanceOf(PreconditionFailedError);
    expect(keyedPut).toMatchObject({ status: 412, message: 'Movie m1 already exists.' });
    // The unkeyed create tries its append (the write is the existence check) and loses; the keyed one reads first.
    expect(app.eventStore.appends).toBe(2);
    expect((await app.eventStore.history('m1', { limit: 10 })).map((e) => e.version)).toEqual([1]);
  });

  it('a keyed create’s movie id is stable (a retry after a redeploy finds it): "k" and 42 characters of the key’s SHA-256, base64url', () => {
    expect(movieIdForIdempotencyKey('key-1')).toBe('kvil0VGl443OebW2oXEvp8zTOMt8rn9S2_xtVwNV-nU');
  });

  it('request hashes ignore key order and tell different bodies apart', () => {
    expect(requestHash({ a: 1, b: [1, { c: 2, d: 3 }] })).toBe(requestHash({ b: [1, { d: 3, c: 2 }], a: 1 }));
    expect(requestHash({ a: 1 })).not.toBe(requestHash({ a: 2 }));
    expect(requestHash({ a: [1, 2] })).not.toBe(requestHash({ a: [2, 1] }));
  });

  it('over HTTP: a replay answers 201 with Idempotent-Replayed; a reused key with another body answers 422 problem', async () => {
    const app = await memoryApp();
    const post = (body: unknown) =>
      call(createMovie, app.deps, {
        method: 'POST',
        url: 'http://h/api/movies',
        headers: { 'content-type': 'application/json', 'idempotency-key': 'http-key-1' },
        body: { string: JSON.stringify(body) },
      });
    const first = await post({ title: 'Alien' });
    const replay = await post({ title: 'Alien' });
    const reused = await post({ title: 'Other' });
    expect([first.status, replay.status, reused.status]).toEqual([201, 201, 422]);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body).toEqual(first.body);
    expect(reused.headers['content-type']).toBe('application/problem+json');
    expect(app.eventStore.appends).toBe(1);
  });
});

describe('commands over HTTP on the in-memory ports', () => {
  it('PATCH with a stale If-Match answers 412 problem with the current version; nothing is written', async () => {
    const app = await memoryApp();
    await handleCommand(
      { type: 'CreateMovie', movieId: 'm1', fields: { title: 'Alien' }, metadata: meta() },
      app.deps,
      app.log,
    );
    await handleCommand(
      { type: 'PatchMovie', movieId: 'm1', expectedVersion: 1, patch: { title: 'Aliens' }, metadata: meta() },
      app.deps,
      app.log,
    );
    const answer = await call(patchMovie, app.deps, {
      method: 'PATCH',
      url: 'http://h/api/movies/m1',
      params: { id: 'm1' },
      headers: { 'content-type': 'application/merge-patch+json', 'if-match': '"1"' },
      body: { string: '{"title":"Alien 3"}' },
    });
    expect(answer.status).toBe(412);
    expect(answer.headers['content-type']).toBe('application/problem+json');
    expect(answer.body).toMatchObject({ status: 412, currentVersion: 2 });
    expect(app.eventStore.appends).toBe(2);
  });

  it('POST with bad fields answers 400 problem naming every bad field in the body; nothing is written', async () => {
    const app = await memoryApp();
    const answer = await call(createMovie, app.deps, {
      method: 'POST',
      url: 'http://h/api/movies',
      headers: { 'content-type': 'application/json' },
      body: { string: '{"title":"Alien","genres":["Horror","Space Opera"],"rating":5,"runtimeMinutes":0}' },
    });
    expect(answer.status).toBe(400);
    expect(answer.headers['content-type']).toBe('application/problem+json');
    const errors = (answer.body as { errors: Array<{ path: string; message: string }> }).errors;
    expect([...errors].sort((a, b) => a.path.localeCompare(b.path))).toEqual([
      {
        path: 'body.genres.1',
        message:
          'must be one of (any case): Action, Adventure, Animation, Biography, Black Comedy, Comedy, Concert/Performance, Crime, Documentary, Drama, Family, Fantasy, Film-Noir, History, Horror, Music, Musical, Mystery, Romance, Romantic Comedy, Sci-Fi, Sport, Thriller, Thriller/Suspense, War, Western',
      },
      { path: 'body.rating', message: 'unknown field' },
      { path: 'body.runtimeMinutes', message: 'Too small: expected number to be >=1' },
    ]);
    expect(app.eventStore.appends).toBe(0);
  });
});

describe('the decider’s rejections over HTTP: the same problems as ever', () => {
  const created = async () => {
    const app = await memoryApp();
    await handleCommand(
      { type: 'CreateMovie', movieId: 'm1', fields: { title: 'Alien' }, metadata: meta() },
      app.deps,
      app.log,
    );
    return app;
  };
  const patch = (app: Awaited<ReturnType<typeof memoryApp>>, ifMatch: string, body: string) =>
    call(patchMovie, app.deps, {
      method: 'PATCH',
      url: 'http://h/api/movies/m1',
      params: { id: 'm1' },
      headers: { 'content-type': 'application/merge-patch+json', 'if-match': ifMatch },
      body: { string: body },
    });

  it('a version mismatch is 412 with the current version as ETag and currentVersion', async () => {
    const app = await created();
    const answer = await patch(app, '"7"', '{"title":"Alien 3"}');
    expect(answer.status).toBe(412);
    expect(answer.headers.etag).toBe('"1"');
    expect(answer.body).toMatchObject({
      type: 'https://movie-catalog.example/problems/precondition-failed',
      title: 'Precondition failed',
      status: 412,
      detail: 'If-Match names version 7, but the current version is 1.',
      currentVersion: 1,
    });
  });

  it('a create of a taken id is 412 with the current version as ETag and currentVersion', async () => {
    const app = await created();
    const answer = await call(putMovie, app.deps, {
      method: 'PUT',
      url: 'http://h/api/movies/m1',
      params: { id: 'm1' },
      headers: { 'content-type': 'application/json', 'if-none-match': '*' },
      body: { string: '{"title":"Again"}' },
    });
    expect(answer.status).toBe(412);
    expect(answer.headers.etag).toBe('"1"');
    expect(answer.body).toMatchObject({ status: 412, detail: 'Movie m1 already exists.', currentVersion: 1 });
  });

  it('a change of a movie that does not exist is 404 saying so, without a version', async () => {
    const app = await memoryApp();
    const answer = await call(deleteMovie, app.deps, {
      method: 'DELETE',
      url: 'http://h/api/movies/m9',
      params: { id: 'm9' },
      headers: { 'if-match': '"1"' },
    });
    expect(answer.status).toBe(404);
    expect(answer.headers.etag).toBeUndefined();
    expect(answer.body).toMatchObject({
      type: 'https://movie-catalog.example/problems/not-found',
      title: 'Not found',
      status: 404,
      detail: 'Movie m9 does not exist.',
    });
    expect(answer.body).not.toHaveProperty('currentVersion');
  });

  it('a patch whose result breaks a field rule is 400 naming the body field (HTTP refuses a null title before)', async () => {
    const app = await created();
    const error = await handleCommand(
      { type: 'PatchMovie', movieId: 'm1', expectedVersion: 1, patch: { title: null }, metadata: meta() },
      app.deps,
      app.log,
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect(error).toMatchObject({
      status: 400,
      message: 'The request is not valid.',
      errors: [{ path: 'body.title', message: 'Invalid input: expected string, received undefined' }],
    });
    expect(app.eventStore.appends).toBe(1);
  });
});

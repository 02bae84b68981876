/**
 * The foundation end to end: the local host boots on a free port, serves HTTP functions with auth,
 * accepts CloudEvents from the real EventGridPublisherClient on its topic, delivers them to the
 * subscribed function, retries a failing delivery and dead-letters one that keeps failing.
 */
import { AzureKeyCredential, EventGridPublisherClient } from '@azure/eventgrid';
import { afterEach, describe, expect, it } from 'vitest';
import { ReadStoreUnavailableError, type ReadStore } from '../../shared/read-model/port';
import { createEmbeddedReadStore } from '../../shared/read-model/embedded';
import { cloudEventType } from '../../shared/domain/events';
import { topology } from '../../shared/topology';
import { TOPIC_KEY, startTestHost, type TestHost } from '../support/host';
import { startEmbeddedCosmos } from '../../shared/local/cosmos';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let host: TestHost | undefined;
afterEach(async () => {
  await host?.stop();
  host = undefined;
});

/** A read store that fails its first `failures` writes (or all of them) with a transient error. */
function flakyReadStore(failures: number): ReadStore & { attempts: number } {
  const inner = createEmbeddedReadStore();
  const store: ReadStore & { attempts: number } = {
    ...inner,
    kind: inner.kind,
    attempts: 0,
    async apply(...args) {
      store.attempts++;
      if (store.attempts <= failures) throw new ReadStoreUnavailableError('injected: read store down');
      return inner.apply(...args);
    },
  };
  return store;
}

function movieEvent(id: string, version: number, title: string) {
  const at = new Date().toISOString();
  const state = { id, version, title, createdAt: at, updatedAt: at };
  return {
    id: `${id}:${version}`,
    source: topology.source,
    type: cloudEventType('MovieCreated'),
    subject: `movies/${id}`,
    time: new Date(at),
    data: {
      type: 'MovieCreated',
      state,
      changed: ['title'],
      metadata: { movieId: id, version, occurredAt: at, correlationId: 'c1' },
    },
  };
}

describe('local Functions host', () => {
  it('serves health, the OpenAPI document and every HTTP function of the registry', async () => {
    host = await startTestHost();
    const health = await host.api('health', { key: 'none' });
    expect(health.status).toBe(200);
    expect(health.json.dependencies).toEqual({
      writeStore: 'embedded',
      topic: 'embedded',
      readStore: 'embedded',
      cache: 'embedded',
    });
    const doc = (await host.api('openapi.json', { key: 'none' })).json;
    expect(doc.openapi).toBe('3.1.0');
    for (const f of host.functions) {
      if (f.kind !== 'http') continue;
      const operation = doc.paths[`/api/${f.route}`]?.[f.methods[0]!.toLowerCase()];
      expect(operation?.operationId, f.name).toBe(f.name);
    }
    expect(doc.paths['/api/movies'].post.responses['400'].content['application/problem+json']).toBeDefined();
  });

  it('enforces auth levels: 401 problem without a key, another function’s key, or a wrong key', async () => {
    host = await startTestHost();
    const body = { title: 'Heat' };
    for (const key of ['none', 'wrong-key', host.keys.functions.deleteMovie!]) {
      const res = await host.api('movies', { method: 'POST', body, key });
      expect(res.status, key).toBe(401);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
    }
    expect((await host.api('movies', { method: 'POST', body, key: host.keys.functions.createMovie! })).status).toBe(
      201,
    );
    expect(
      (await host.api('movies?code=' + encodeURIComponent(host.keys.host), { method: 'POST', body, key: 'none' }))
        .status,
    ).toBe(201);
    // admin functions take the master key only
    expect((await host.api('ops/verify', { method: 'POST' })).status).toBe(401);
    const verify = await host.finishJob(await host.api('ops/verify', { method: 'POST', key: 'master' }));
    expect(verify.json).toMatchObject({ kind: 'verify', status: 'succeeded', result: { differenceCount: 0 } });
    // unknown route and wrong method are problems too
    expect((await host.api('nope')).status).toBe(404);
    expect((await host.api('health', { method: 'DELETE' })).status).toBe(405);
  });

  it('delivers CloudEvents published with the real EventGridPublisherClient to the subscribed function', async () => {
    host = await startTestHost();
    const client = new EventGridPublisherClient(host.topicEndpoint, 'CloudEvent', new AzureKeyCredential(TOPIC_KEY), {
      allowInsecureConnection: true,
    });
    await client.send([movieEvent('eg-1', 1, 'Published directly')]);
    await host.settle();
    expect(await host.deps.readStore.get('eg-1')).toMatchObject({
      kind: 'movie',
      movie: { title: 'Published directly', version: 1 },
    });
    // events outside the subscription's filter are not delivered
    await client.send([{ ...movieEvent('eg-2', 1, 'Filtered'), type: 'Other.Type.v1' }]);
    await host.settle();
    expect(await host.deps.readStore.get('eg-2')).toBeNull();
  });

  it('refuses a publish without or with a wrong aeg-sas-key (401)', async () => {
    host = await startTestHost();
    const wrong = new EventGridPublisherClient(host.topicEndpoint, 'CloudEvent', new AzureKeyCredential('wrong'), {
      allowInsecureConnection: true,
      retryOptions: { maxRetries: 0 },
    });
    await expect(wrong.send([movieEvent('x', 1, 'x')])).rejects.toMatchObject({ statusCode: 401 });
    const none = await fetch(host.topicEndpoint, { method: 'POST', body: '[]' });
    expect(none.status).toBe(401);
    expect(host.topic.stats.published).toBe(0);
  });

  it('retries a failing delivery with backoff until it succeeds', async () => {
    const store = flakyReadStore(3);
    host = await startTestHost({ overrides: { readStore: store } });
    const client = new EventGridPublisherClient(host.topicEndpoint, 'CloudEvent', new AzureKeyCredential(TOPIC_KEY), {
      allowInsecureConnection: true,
    });
    await client.send([movieEvent('retry-1', 1, 'Eventually')]);
    await host.settle();
    expect(store.attempts).toBe(4);
    expect(host.topic.stats.retries).toBe(3);
    expect(await store.get('retry-1')).toMatchObject({ kind: 'movie' });
    expect((await host.deps.deadLetters.list()).length).toBe(0);
  });

  it('dead-letters an event whose delivery keeps failing, with the reason, after max attempts', async () => {
    const store = flakyReadStore(Number.POSITIVE_INFINITY);
    host = await startTestHost({ overrides: { readStore: store } });
    const client = new EventGridPublisherClient(host.topicEndpoint, 'CloudEvent', new AzureKeyCredential(TOPIC_KEY), {
      allowInsecureConnection: true,
    });
    await client.send([movieEvent('dead-1', 1, 'Never')]);
    await host.settle();
    const max = topology.subscriptions[0]!.retry.maxDeliveryAttempts;
    expect(store.attempts).toBe(max);
    const letters = await host.deps.deadLetters.list();
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({
      subscription: 'projector',
      reason: 'MaxDeliveryAttemptsExceeded',
      deliveryAttempts: max,
      event: { id: 'dead-1:1' },
    });
    expect(letters[0]!.lastError).toContain('injected: read store down');
  });

  it('keeps accepted events across a host restart (durable like Event Grid) when the write store outlives the host', async () => {
    const cosmos = await startEmbeddedCosmos();
    const stateDir = mkdtempSync(join(tmpdir(), 'restart-'));
    const env = { COSMOS_ENDPOINT: cosmos.endpoint, COSMOS_KEY: cosmos.key };
    try {
      const first = await startTestHost({
        env,
        deadLetterDir: stateDir,
        overrides: { readStore: flakyReadStore(Number.POSITIVE_INFINITY) },
      });
      const client = new EventGridPublisherClient(
        first.topicEndpoint,
        'CloudEvent',
        new AzureKeyCredential(TOPIC_KEY),
        { allowInsecureConnection: true },
      );
      await client.send([movieEvent('durable-1', 1, 'Survives a restart')]);
      await first.stop(); // the delivery was still being retried
      host = await startTestHost({ env, deadLetterDir: stateDir });
      expect(host.topic.recovered).toBe(1);
      await host.settle();
      expect(await host.deps.readStore.get('durable-1')).toMatchObject({
        kind: 'movie',
        movie: { title: 'Survives a restart' },
      });
      expect(await host.deps.deadLetters.list()).toHaveLength(0);
    } finally {
      await host?.stop();
      host = undefined;
      await cosmos.close();
    }
  });
});

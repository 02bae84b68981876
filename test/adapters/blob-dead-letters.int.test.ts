/**
 * The blob DeadLetterStore against a real Blob protocol server (Azurite over HTTPS with basic OAuth), so the
 * adapter's bearer-token path, blob naming, listing and deletion are exercised as in Azure, together with
 * the dead-letter blobs Event Grid itself writes (`<topic>/<subscription>/yyyy/mm/dd/hh/<guid>.json`, a JSON
 * array of CloudEvents carrying deadletterreason / deliveryattempts / lastdeliveryoutcome / deadlettertime).
 *
 * TLS trust: the adapter builds its ContainerClient without pipeline options, so a custom https agent
 * trusting just the test certificate could only be passed by widening the production signature.
 * Instead certificate verification is switched off with NODE_TLS_REJECT_UNAUTHORIZED=0 for the life of
 * this suite (Node reads it at each TLS connect), in this file's own worker process, and restored after.
 * The only HTTPS peer of this file is the Azurite it starts on 127.0.0.1.
 */
import { randomUUID } from 'node:crypto';
import { ContainerClient } from '@azure/storage-blob';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createBlobDeadLetterStore } from '../../shared/adapters/blob-dead-letters';
import { redrive } from '../../shared/operations/redrive';
import type { CloudEventEnvelope, DeadLetter, DeadLetterStore, EventPublisher } from '../../shared/ports';
import { azuriteUnavailableReason, devTokenCredential, startAzurite, type TestAzurite } from '../support/azurite';
import { unavailable } from '../support/services';
import { deadLetterStoreContract } from '../contracts/dead-letters';

const event = (id: string, type = 'MovieCreated'): CloudEventEnvelope => ({
  specversion: '1.0',
  id,
  source: '/movies',
  type,
  subject: `movies/${id}`,
  time: '2026-01-01T00:00:00.000Z',
  datacontenttype: 'application/json',
  data: { movieId: id, title: `Movie ${id}` },
});

const eventGridDeadLetter = (e: CloudEventEnvelope, reason: string, attempts: number) => ({
  ...e,
  deadletterreason: reason,
  deliveryattempts: attempts,
  lastdeliveryoutcome: 'NotFound',
  deadlettertime: '2026-01-01T00:30:00.000Z',
});

const byName = (records: DeadLetter[]) => [...records].sort((a, b) => a.name.localeCompare(b.name));

describe.skipIf(unavailable('Azurite', azuriteUnavailableReason()))(
  'blob dead-letter store on Azurite (OAuth over HTTPS)',
  () => {
    const previousTlsSetting = process.env.NODE_TLS_REJECT_UNAUTHORIZED;
    const credential = devTokenCredential();
    let azurite: TestAzurite | undefined;
    let container: ContainerClient;
    let store: DeadLetterStore;

    const uploadJson = async (name: string, value: unknown) => {
      const body = JSON.stringify(value);
      await container.getBlockBlobClient(name).upload(body, Buffer.byteLength(body), {
        blobHTTPHeaders: { blobContentType: 'application/json' },
      });
    };
    const blobNames = async () => {
      const names: string[] = [];
      for await (const blob of container.listBlobsFlat()) names.push(blob.name);
      return names.sort();
    };

    beforeAll(async () => {
      process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
      azurite = await startAzurite();
      const containerUrl = `${azurite.blobEndpoint}/deadletter`;
      // The same bearer credential as the store: basic OAuth grants it every operation, container creation included.
      container = new ContainerClient(containerUrl, credential);
      await container.create();
      store = createBlobDeadLetterStore(containerUrl, credential);
    });

    afterAll(async () => {
      await azurite?.stop();
      if (previousTlsSetting === undefined) delete process.env.NODE_TLS_REJECT_UNAUTHORIZED;
      else process.env.NODE_TLS_REJECT_UNAUTHORIZED = previousTlsSetting;
    });

    beforeEach(async () => {
      for (const name of await blobNames()) await container.deleteBlob(name);
    });

    it('authenticates with a storage-scoped bearer token, and the server really requires one', async () => {
      expect(credential.requestedScopes).toContain('https://storage.azure.com/.default');
      const anonymous = new ContainerClient(container.url);
      await expect(anonymous.listBlobsFlat().next()).rejects.toMatchObject({ statusCode: 403 });
      const notAJwt = new ContainerClient(container.url, {
        getToken: () => Promise.resolve({ token: 'not.a.jwt', expiresOnTimestamp: Date.now() + 3_600_000 }),
      });
      await expect(notAJwt.listBlobsFlat().next()).rejects.toMatchObject({
        statusCode: 403,
        code: 'AuthenticationFailed',
      });
    });

    it('put() writes one JSON blob per record and list() returns them with all their fields', async () => {
      const first = await store.put({
        subscription: 'projector',
        event: event('m-1'),
        reason: 'poison: title missing',
        deliveryAttempts: 5,
        deadLetteredAt: '2026-01-02T03:04:05.000Z',
        lastError: 'ZodError: title Required',
      });
      const second = await store.put({
        subscription: 'projector',
        event: event('m-2', 'MovieUpdated'),
        reason: 'poison: unknown movie',
        deliveryAttempts: 1,
        deadLetteredAt: '2026-01-03T00:00:00.000Z',
      });

      expect(first.name).toMatch(/^projector\/2026-01-02\/[0-9a-f-]{36}\.json$/);
      expect(second.name).toMatch(/^projector\/2026-01-03\/[0-9a-f-]{36}\.json$/);
      expect(await blobNames()).toEqual([first.name, second.name].sort());

      const listed = byName(await store.list());
      expect(listed).toEqual(byName([first, second]));
      expect(listed.find((r) => r.name === first.name)).toEqual({
        name: first.name,
        subscription: 'projector',
        event: event('m-1'),
        reason: 'poison: title missing',
        deliveryAttempts: 5,
        deadLetteredAt: '2026-01-02T03:04:05.000Z',
        lastError: 'ZodError: title Required',
      });
      const props = await container.getBlobClient(first.name).getProperties();
      expect(props.contentType).toBe('application/json');
    });

    it("lists Event Grid's own dead-letter blobs as records of their subscription, and remove() deletes them", async () => {
      const single = `movie-events/projector/2026/01/01/00/${randomUUID()}.json`;
      const multi = `movie-events/projector/2026/01/01/00/${randomUUID()}.json`;
      await uploadJson(single, [eventGridDeadLetter(event('eg-1'), 'MaxDeliveryAttemptsExceeded', 30)]);
      await uploadJson(multi, [
        eventGridDeadLetter(event('eg-2'), 'TimeToLiveExceeded', 12),
        eventGridDeadLetter(event('eg-3', 'MovieDeleted'), 'MaxDeliveryAttemptsExceeded', 30),
      ]);
      const own = await store.put({
        subscription: 'projector',
        event: event('m-9'),
        reason: 'poison',
        deliveryAttempts: 2,
        deadLetteredAt: '2026-01-04T00:00:00.000Z',
      });

      const listed = byName(await store.list());
      expect(listed.map((r) => r.name).sort()).toEqual(
        [`${multi}#eg-2`, `${multi}#eg-3`, `${single}#eg-1`, own.name].sort(),
      );
      expect(listed.find((r) => r.name === `${single}#eg-1`)).toEqual({
        name: `${single}#eg-1`,
        subscription: 'projector',
        event: event('eg-1'),
        reason: 'MaxDeliveryAttemptsExceeded',
        deliveryAttempts: 30,
        deadLetteredAt: '2026-01-01T00:30:00.000Z',
        lastError: 'NotFound',
      });
      expect(listed.find((r) => r.name === `${multi}#eg-3`)).toMatchObject({
        subscription: 'projector',
        event: event('eg-3', 'MovieDeleted'),
        reason: 'MaxDeliveryAttemptsExceeded',
      });
      expect(listed.find((r) => r.name === `${multi}#eg-2`)).toMatchObject({
        subscription: 'projector',
        event: event('eg-2'),
        reason: 'TimeToLiveExceeded',
        deliveryAttempts: 12,
      });

      await store.remove(`${single}#eg-1`);
      expect(await blobNames()).toEqual([multi, own.name].sort());

      // One entry of a multi-event blob removes exactly that entry; the last one removes the blob.
      await store.remove(`${multi}#eg-2`);
      expect(await blobNames()).toEqual([multi, own.name].sort());
      expect((await store.list()).map((r) => r.name).sort()).toEqual([`${multi}#eg-3`, own.name].sort());
      await store.remove(`${multi}#eg-2`); // already gone: no error, nothing else removed
      expect((await store.list()).map((r) => r.name).sort()).toEqual([`${multi}#eg-3`, own.name].sort());
      await store.remove(`${multi}#eg-3`);
      expect(await blobNames()).toEqual([own.name]);
      await store.remove(`${multi}#eg-3`); // the blob is gone: no error

      expect(await store.list()).toEqual([own]);
      await store.remove(own.name);
      expect(await store.list()).toEqual([]);
    });

    it('a redrive of one event of a three-event blob, with another failing to publish, leaves the other two in place', async () => {
      const blob = `movie-events/projector/2026/01/01/00/${randomUUID()}.json`;
      const events = [event('rd-1'), event('rd-2', 'MovieUpdated'), event('rd-3', 'MovieDeleted')];
      await uploadJson(
        blob,
        events.map((e) => eventGridDeadLetter(e, 'MaxDeliveryAttemptsExceeded', 30)),
      );
      const published: string[] = [];
      const publisher: EventPublisher = {
        publish: () => Promise.reject(new Error('not used')),
        publishRaw: (batch) => {
          if (batch.some((e) => e.id === 'rd-2')) return Promise.reject(new Error('topic refused rd-2'));
          published.push(...batch.map((e) => e.id));
          return Promise.resolve();
        },
        health: () => Promise.resolve('up' as const),
      };
      const log = { log: () => undefined, warn: () => undefined, error: () => undefined };

      const report = await redrive({ deadLetters: store, publisher }, log, [`${blob}#rd-1`, `${blob}#rd-2`]);

      expect(report).toEqual({ redriven: 1, failed: [{ name: `${blob}#rd-2`, error: 'topic refused rd-2' }] });
      expect(published).toEqual(['rd-1']);
      expect(await blobNames()).toEqual([blob]);
      const left = byName(await store.list());
      expect(left.map((r) => r.name)).toEqual([`${blob}#rd-2`, `${blob}#rd-3`]);
      expect(left.map((r) => r.event)).toEqual([event('rd-2', 'MovieUpdated'), event('rd-3', 'MovieDeleted')]);
      expect(left.map((r) => r.reason)).toEqual(['MaxDeliveryAttemptsExceeded', 'MaxDeliveryAttemptsExceeded']);
    });

    // The same contract the in-memory and folder stores pass (test/contracts/memory-ports.unit.test.ts).
    deadLetterStoreContract('blob container (Azurite, OAuth over HTTPS)', async () => {
      const fresh = new ContainerClient(`${azurite!.blobEndpoint}/contract-${randomUUID()}`, credential);
      await fresh.create();
      return createBlobDeadLetterStore(fresh.url, credential);
    });
  },
);

/**
 * DeadLetterStore on the dead-letter blob container, through the managed identity. Reads both Event
 * Grid's own dead-letter blobs (a JSON array of events carrying deadletterreason / deliveryattempts) and
 * the records the projector writes for poison events (one DeadLetter JSON per blob).
 */
import { randomUUID } from 'node:crypto';
import type { TokenCredential } from '@azure/core-auth';
import { ContainerClient } from '@azure/storage-blob';
import type { CloudEventEnvelope, DeadLetter, DeadLetterStore } from '../ports';

type EventGridDeadLetter = CloudEventEnvelope & { deadletterreason?: string; deliveryattempts?: number; lastdeliveryoutcome?: string; deadlettertime?: string };

export function parseDeadLetterBlob(name: string, text: string): DeadLetter[] {
  const parsed = JSON.parse(text) as unknown;
  if (Array.isArray(parsed)) {
    return (parsed as EventGridDeadLetter[]).map((e, i) => {
      const { deadletterreason, deliveryattempts, lastdeliveryoutcome, deadlettertime, ...event } = e;
      return {
        name: parsed.length === 1 ? name : `${name}#${i}`,
        subscription: name.split('/')[1] ?? 'unknown',
        event: event,
        reason: deadletterreason ?? 'unknown',
        deliveryAttempts: deliveryattempts ?? 0,
        deadLetteredAt: deadlettertime ?? new Date(0).toISOString(),
        lastError: lastdeliveryoutcome,
      };
    });
  }
  return [{ ...(parsed as DeadLetter), name }];
}

export function createBlobDeadLetterStore(containerUrl: string, credential: TokenCredential): DeadLetterStore {
  const container = new ContainerClient(containerUrl, credential);
  return {
    async put(entry) {
      const name = `projector/${entry.deadLetteredAt.slice(0, 10)}/${randomUUID()}.json`;
      const record: DeadLetter = { name, ...entry };
      const body = JSON.stringify(record);
      await container.getBlockBlobClient(name).upload(body, Buffer.byteLength(body), {
        blobHTTPHeaders: { blobContentType: 'application/json' },
      });
      return record;
    },
    async list() {
      const out: DeadLetter[] = [];
      for await (const blob of container.listBlobsFlat()) {
        const buffer = await container.getBlobClient(blob.name).downloadToBuffer();
        out.push(...parseDeadLetterBlob(blob.name, buffer.toString('utf8')));
      }
      return out;
    },
    async remove(name) {
      // A multi-event Event Grid blob is removed once all of it has been redriven (the redrive removes each).
      await container.getBlobClient(name.split('#')[0]!).deleteIfExists();
    },
  };
}

/**
 * DeadLetterStore on the dead-letter blob container, through the managed identity. Reads both Event
 * Grid's own dead-letter blobs (a JSON array of events carrying deadletterreason / deliveryattempts) and
 * the records the projector writes for poison events (one DeadLetter JSON per blob).
 *
 * An entry of an Event Grid blob is named `<blob>#<event id>`, a name that stays true when its siblings
 * are removed. Removing one entry rewrites the blob with the others under an ETag condition (a
 * concurrent change is re-read and retried) and deletes the blob once it is empty, so a selective redrive,
 * or one where some events fail to publish, never drops the entries it did not re-publish.
 */
import { randomUUID } from 'node:crypto';
import type { TokenCredential } from '@azure/core-auth';
import { ContainerClient, type BlockBlobClient } from '@azure/storage-blob';
import { mapBounded } from '../concurrency';
import { listAllDeadLetters, type CloudEventEnvelope, type DeadLetter, type DeadLetterStore } from '../ports';

type EventGridDeadLetter = CloudEventEnvelope & {
  deadletterreason?: string;
  deliveryattempts?: number;
  lastdeliveryoutcome?: string;
  deadlettertime?: string;
};

export function parseDeadLetterBlob(name: string, text: string): DeadLetter[] {
  const parsed = JSON.parse(text) as unknown;
  if (Array.isArray(parsed)) {
    return (parsed as EventGridDeadLetter[]).map((e, i) => {
      const { deadletterreason, deliveryattempts, lastdeliveryoutcome, deadlettertime, ...event } = e;
      return {
        name: entryName(name, event.id, i),
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

/** `<blob>#<event id>` (by position when an entry has no usable id). */
function entryName(blob: string, eventId: unknown, index: number): string {
  return typeof eventId === 'string' && eventId.length > 0 ? `${blob}#${eventId}` : `${blob}#${index}`;
}

/** Blob name and entry key of a dead-letter name (the blob itself when there is no `#`). */
export function splitDeadLetterName(name: string): { blob: string; entry: string | null } {
  const at = name.indexOf('#');
  return at < 0 ? { blob: name, entry: null } : { blob: name.slice(0, at), entry: name.slice(at + 1) };
}

const MAX_REWRITE_ATTEMPTS = 10;
const DOWNLOADS_IN_FLIGHT = 8;

export function createBlobDeadLetterStore(containerUrl: string, credential: TokenCredential): DeadLetterStore {
  const container = new ContainerClient(containerUrl, credential);
  const store: DeadLetterStore = {
    async put(entry) {
      const name = `projector/${entry.deadLetteredAt.slice(0, 10)}/${randomUUID()}.json`;
      const record: DeadLetter = { name, ...entry };
      const body = JSON.stringify(record);
      await container.getBlockBlobClient(name).upload(body, Buffer.byteLength(body), {
        blobHTTPHeaders: { blobContentType: 'application/json' },
      });
      return record;
    },
    async listPage({ after, limit }) {
      // One listing call (the continuation token is the position), then that page's blobs downloaded
      // a few at a time: memory is one page, however many blobs the container holds.
      const pages = container
        .listBlobsFlat()
        .byPage({ maxPageSize: Math.max(1, Math.trunc(limit)), ...(after ? { continuationToken: after } : {}) });
      const first = (await pages.next()) as IteratorResult<{
        segment: { blobItems: Array<{ name: string }> };
        continuationToken?: string;
      }>;
      if (first.done) return { items: [], next: null };
      const page = first.value;
      const parsed = await mapBounded(page.segment.blobItems, DOWNLOADS_IN_FLIGHT, async (blob) => {
        try {
          const buffer = await container.getBlobClient(blob.name).downloadToBuffer();
          return parseDeadLetterBlob(blob.name, buffer.toString('utf8'));
        } catch (error) {
          if ((error as { statusCode?: number }).statusCode === 404) return []; // removed meanwhile
          throw error;
        }
      });
      return { items: parsed.flat(), next: page.continuationToken ? page.continuationToken : null };
    },
    list: () => listAllDeadLetters(store),
    async remove(name) {
      const { blob, entry } = splitDeadLetterName(name);
      const client = container.getBlockBlobClient(blob);
      if (entry === null) {
        await client.deleteIfExists();
        return;
      }
      await removeEntry(client, blob, name);
    },
  };
  return store;
}

/**
 * Removes one entry of an Event Grid dead-letter blob (a JSON array): the blob is rewritten without it (or
 * deleted when it was the last), on the ETag it was read at; a blob changed meanwhile is read again.
 */
async function removeEntry(client: BlockBlobClient, blob: string, name: string): Promise<void> {
  for (let attempt = 1; attempt <= MAX_REWRITE_ATTEMPTS; attempt++) {
    let etag: string | undefined;
    let text: string;
    try {
      const download = await client.download();
      etag = download.etag;
      text = await streamText(download.readableStreamBody);
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 404) return; // already gone
      throw error;
    }
    const parsed = JSON.parse(text) as unknown;
    if (!Array.isArray(parsed)) return;
    const entries = parsed as EventGridDeadLetter[];
    const index = entries.findIndex((e, i) => entryName(blob, e.id, i) === name);
    if (index < 0) return; // already removed
    const rest = entries.filter((_, i) => i !== index);
    try {
      if (rest.length === 0) {
        await client.delete({ conditions: { ifMatch: etag } });
      } else {
        const body = JSON.stringify(rest);
        await client.upload(body, Buffer.byteLength(body), {
          conditions: { ifMatch: etag },
          blobHTTPHeaders: { blobContentType: 'application/json' },
        });
      }
      return;
    } catch (error) {
      const status = (error as { statusCode?: number }).statusCode;
      if (status === 412 || status === 404) continue; // changed (or deleted) meanwhile: read again
      throw error;
    }
  }
  throw new Error(`dead-letter blob ${blob} kept changing; ${name} was not removed`);
}

async function streamText(stream: NodeJS.ReadableStream | undefined): Promise<string> {
  if (!stream) return '';
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}

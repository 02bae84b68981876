/**
 * A rebuild's load into a physical index: a large batch goes as concurrent bulk requests. Every entry of
 * one id goes in the same request, in batch order, so the outcomes are those of applying in order.
 */
import type { ApplyOutcome, ReadEntry } from '../port';
import { entryId } from '../search-semantics';
import { outcomesOrThrow, type BulkSender } from './bulk';

/** One request's entries, each with its position in the batch. */
export type Chunk = Array<{ readonly entry: ReadEntry; readonly at: number }>;

/** Entries in chunks of up to `idsPerChunk` distinct ids; an id's entries all in the chunk of its first. */
export function chunksById(entries: readonly ReadEntry[], idsPerChunk: number): Chunk[] {
  const chunks: Chunk[] = [];
  const chunkOfId = new Map<string, number>();
  entries.forEach((entry, at) => {
    const id = entryId(entry);
    const chunk = chunkOfId.get(id) ?? Math.floor(chunkOfId.size / idsPerChunk);
    chunkOfId.set(id, chunk);
    (chunks[chunk] ??= []).push({ entry, at });
  });
  return chunks;
}

export interface LoadLimits {
  /** Distinct ids per bulk request. */
  readonly documents: number;
  /** Bulk requests in flight. */
  readonly concurrency: number;
}

/** Sends the chunks with `concurrency` workers; the outcome of every entry, in batch order. */
export async function load(
  entries: readonly ReadEntry[],
  send: BulkSender,
  limits: LoadLimits,
): Promise<ApplyOutcome[]> {
  const chunks = chunksById(entries, limits.documents);
  const outcomes = new Array<ApplyOutcome>(entries.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < chunks.length; i = next++) {
      const chunk = chunks[i]!;
      const results = outcomesOrThrow(await send(chunk.map((c) => c.entry)));
      chunk.forEach((c, j) => (outcomes[c.at] = results[j]!));
    }
  };
  await Promise.all(Array.from({ length: Math.min(limits.concurrency, chunks.length) }, worker));
  return outcomes;
}

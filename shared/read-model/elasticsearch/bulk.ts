/**
 * One bulk request of read entries, indexed with external versions: a document whose stored version is not
 * older is left alone (409, the entry is 'stale'). Each entry gets its own outcome or its own error.
 */
import type { Client, estypes } from '@elastic/elasticsearch';
import { ReadStoreUnavailableError, type ApplyOutcome, type ReadEntry } from '../port';
import { entryId, entryVersion } from '../search-semantics';
import { toDocument, type Document } from './documents';
import type { AliasCall } from './requests';

/** An entry's outcome, or the error it met (kept per entry: one bad entry fails only its own writer). */
export type BulkItemResult = ApplyOutcome | Error;

/** Sends entries to an index or alias; the result of each entry, in order. */
export type BulkSender = (entries: readonly ReadEntry[]) => Promise<BulkItemResult[]>;

export function bulkOperations(
  entries: readonly ReadEntry[],
  target: string,
): Array<estypes.BulkOperationContainer | Document> {
  return entries.flatMap((entry) => [
    { index: { _index: target, _id: entryId(entry), version: entryVersion(entry), version_type: 'external' } },
    toDocument(entry),
  ]);
}

/**
 * The result of one bulk item: 2xx applied, 409 (version conflict) stale; a 429, a 5xx or a missing index
 * is ReadStoreUnavailableError (retried later), anything else a plain Error (the entry itself is refused).
 */
export function itemResult(item: estypes.BulkResponseItem | undefined, entry: ReadEntry | undefined): BulkItemResult {
  const status = item?.status ?? 0;
  if (status >= 200 && status < 300) return 'applied';
  if (status === 409) return 'stale';
  const reason = `${item?.error?.type ?? 'error'}: ${item?.error?.reason ?? 'unknown'}`;
  const id = entry ? entryId(entry) : '?';
  if (status === 429 || status >= 500 || item?.error?.type === 'index_not_found_exception') {
    return new ReadStoreUnavailableError(`Elasticsearch could not index '${id}' (${status} ${reason})`);
  }
  return new Error(`Elasticsearch rejected '${id}' (${status} ${reason})`);
}

/** The outcomes, or the first error among them. */
export function outcomesOrThrow(items: readonly BulkItemResult[]): ApplyOutcome[] {
  const failed = items.find((item): item is Error => item instanceof Error);
  if (failed) throw failed;
  return items as ApplyOutcome[];
}

export interface BulkTarget {
  /** An alias or a physical index. */
  readonly target: string;
  /** Through the alias: require_alias, so a missing alias fails instead of auto-creating an index. */
  readonly toAlias: boolean;
  /** Wait until the writes are visible to search (refresh=wait_for). */
  readonly refresh: boolean;
}

/** A sender of bulk requests to one target. */
export function bulkSender(client: Client, onAlias: AliasCall, to: BulkTarget): BulkSender {
  return async (entries) => {
    const res = await onAlias('bulk', () =>
      client.bulk({
        operations: bulkOperations(entries, to.target),
        ...(to.toAlias ? { require_alias: true } : {}),
        ...(to.refresh ? { refresh: 'wait_for' as const } : {}),
      }),
    );
    return res.items.map((item, i) => itemResult(item.index, entries[i]));
  };
}

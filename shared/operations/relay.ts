/**
 * The relay: re-publishes every event still undispatched after a grace period, oldest first. A crash
 * between store and publish, or a topic outage, delays delivery; it never loses it.
 */
import type { Deps, Logger } from '../ports';
import { dispatch } from '../write-model/commands';
import { recordRelayRepublished } from '../observability';

export interface RelayReport {
  readonly found: number;
  readonly republished: number;
  readonly failed: number;
}

export async function relayUndispatched(
  deps: Pick<Deps, 'eventStore' | 'publisher' | 'clock' | 'settings'>,
  log: Logger,
  batchSize = 100,
  maxBatches = 50,
): Promise<RelayReport> {
  const before = new Date(deps.clock().getTime() - deps.settings.relayGraceSeconds * 1000).toISOString();
  let found = 0;
  let republished = 0;
  let failed = 0;
  for (let i = 0; i < maxBatches; i++) {
    const events = await deps.eventStore.undispatched(before, batchSize);
    found += events.length;
    if (events.length === 0) break;
    if (await dispatch(deps, events, log)) republished += events.length;
    else {
      failed += events.length;
      break; // the topic is down: try again on the next tick
    }
    if (events.length < batchSize) break;
  }
  recordRelayRepublished(republished);
  if (found > 0) log.log(`relay: ${found} undispatched, ${republished} re-published, ${failed} failed`);
  return { found, republished, failed };
}

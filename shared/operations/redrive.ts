/**
 * Redrive: re-publishes dead-lettered events to the topic (they keep their ids, so a delivery that did
 * land before is applied idempotently) and removes each record once the topic has accepted it.
 */
import type { Deps, Logger } from '../ports';

export interface RedriveReport {
  readonly redriven: number;
  readonly failed: Array<{ name: string; error: string }>;
}

export async function redrive(deps: Pick<Deps, 'deadLetters' | 'publisher'>, log: Logger, names?: readonly string[]): Promise<RedriveReport> {
  const all = await deps.deadLetters.list();
  const chosen = names ? all.filter((d) => names.includes(d.name)) : all;
  let redriven = 0;
  const failed: RedriveReport['failed'] = [];
  for (const record of chosen) {
    try {
      await deps.publisher.publishRaw([record.event]);
      await deps.deadLetters.remove(record.name);
      redriven++;
    } catch (error) {
      failed.push({ name: record.name, error: (error as Error).message });
    }
  }
  log.log(`redrive: ${redriven} re-published, ${failed.length} failed`);
  return { redriven, failed };
}

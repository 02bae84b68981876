/**
 * `npm run redrive`: lists the dead-lettered events (GET /api/ops/dead-letters, page by page), then
 * re-publishes them as a job (POST /api/ops/dead-letters/redrive, followed with a progress bar; they keep
 * their ids, so the projector applies them idempotently).
 * Exits 1 if any could not be re-published, 2 if the call failed.
 *
 *   npm run redrive -- [--list] [--url http://127.0.0.1:7071] [name ...]
 *   --list   only list;  names: redrive only these records
 *   env: CATALOG_URL (instead of --url), MASTER_KEY
 */
import type { DeadLetterItem } from '../functions/dead-letters';
import type { RedriveReport } from '../shared/operations/redrive';
import { adminCall, catalogUrl, hasFlag, positionals, runJob, runMain } from './cli';

export function formatDeadLetters(items: readonly DeadLetterItem[]): string {
  if (items.length === 0) return 'no dead letters';
  const lines = [`${items.length} dead letter(s), oldest first:`];
  for (const d of items) {
    lines.push(
      `  ${d.deadLetteredAt}  ${d.subscription}  ${d.eventType}  ${d.subject ?? d.eventId}  attempts=${d.deliveryAttempts}`,
    );
    lines.push(`      reason: ${d.reason}`);
    lines.push(`      name:   ${d.name}`);
  }
  return lines.join('\n');
}

async function main(): Promise<number> {
  const items: DeadLetterItem[] = [];
  let cursor: string | null = null;
  do {
    const page: { items: DeadLetterItem[]; nextCursor: string | null } = await adminCall(
      `ops/dead-letters?limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  const names = positionals();
  const chosen = names.length > 0 ? items.filter((d) => names.includes(d.name)) : items;
  const unknown = names.filter((n) => !items.some((d) => d.name === n));
  console.log(`dead letters at ${catalogUrl()}: ${formatDeadLetters(chosen)}`);
  if (unknown.length > 0) console.log(`not found (already redriven?): ${unknown.join(', ')}`);
  if (hasFlag('list')) return 0;
  if (chosen.length === 0) {
    console.log('nothing to redrive');
    return unknown.length > 0 ? 1 : 0;
  }
  const job = await runJob<RedriveReport>('ops/dead-letters/redrive', {
    label: 'redrive',
    body: names.length > 0 ? { names } : {},
  });
  const report = job.result!;
  console.log(`redrive: ${report.redriven} re-published, ${report.failed.length} failed`);
  for (const f of report.failed) console.log(`  failed ${f.name}: ${f.error}`);
  return report.failed.length > 0 || unknown.length > 0 ? 1 : 0;
}

if (require.main === module) runMain(main);

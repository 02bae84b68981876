/**
 * `npm run verify`: the convergence check, as a job (POST /api/ops/verify, master key), followed with a
 * progress bar until it ends. Prints every difference between the write store and the read model;
 * exits 1 if there is any, 2 if the check could not run.
 *
 *   npm run verify -- [--url http://127.0.0.1:7071] [--json]
 *   env: CATALOG_URL (instead of --url), MASTER_KEY
 */
import type { VerifyReport } from '../shared/operations/verify';
import { catalogUrl, hasFlag, runJob, runMain } from './cli';

export function formatVerifyReport(report: VerifyReport): string {
  const count = report.differenceCount;
  const lines = [
    `checked ${report.checked} movies (${report.tombstones} deleted): ${count === 0 ? 'converged, no differences' : `${count} difference(s)`}`,
  ];
  const listed = report.differences.length;
  const partial = count > listed;
  const byProblem = new Map<string, number>();
  for (const d of report.differences) byProblem.set(d.problem, (byProblem.get(d.problem) ?? 0) + 1);
  if (byProblem.size > 0)
    lines.push(
      `  by problem${partial ? ` (of the first ${listed})` : ''}: ${[...byProblem].map(([p, n]) => `${p} ${n}`).join(', ')}`,
    );
  for (const d of report.differences.slice(0, 200)) {
    const versions = [
      d.expectedVersion !== undefined ? `write store v${d.expectedVersion}` : '',
      d.actualVersion !== undefined ? `read model v${d.actualVersion}` : '',
    ]
      .filter(Boolean)
      .join(', ');
    lines.push(`  ${d.problem.padEnd(19)} ${d.id}${versions ? `  (${versions})` : ''}`);
  }
  if (count > 200)
    lines.push(
      `  ... and ${count - 200} more${partial ? ` (the job lists the first ${listed})` : ' (--json prints them all)'}`,
    );
  return lines.join('\n');
}

async function main(): Promise<number> {
  const job = await runJob<VerifyReport>('ops/verify', { label: 'verify' });
  const report = job.result!;
  if (hasFlag('json')) console.log(JSON.stringify(report, null, 2));
  else console.log(`verify ${catalogUrl()}: ${formatVerifyReport(report)}`);
  return report.differenceCount > 0 ? 1 : 0;
}

if (require.main === module) runMain(main);

/**
 * `npm run verify`: the convergence check (GET /api/ops/verify, master key). Prints every difference
 * between the write store and the read model; exits 1 if there is any, 2 if the check could not run.
 *
 *   npm run verify -- [--url http://127.0.0.1:7071] [--json]
 *   env: CATALOG_URL (instead of --url), MASTER_KEY
 */
import type { VerifyReport } from '../shared/operations/verify';
import { adminCall, catalogUrl, hasFlag, runMain } from './cli';

export function formatVerifyReport(report: VerifyReport): string {
  const lines = [
    `checked ${report.checked} movies (${report.tombstones} deleted): ${report.differences.length === 0 ? 'converged, no differences' : `${report.differences.length} difference(s)`}`,
  ];
  const byProblem = new Map<string, number>();
  for (const d of report.differences) byProblem.set(d.problem, (byProblem.get(d.problem) ?? 0) + 1);
  if (byProblem.size > 0) lines.push(`  by problem: ${[...byProblem].map(([p, n]) => `${p} ${n}`).join(', ')}`);
  for (const d of report.differences.slice(0, 200)) {
    const versions = [d.expectedVersion !== undefined ? `write store v${d.expectedVersion}` : '', d.actualVersion !== undefined ? `read model v${d.actualVersion}` : '']
      .filter(Boolean)
      .join(', ');
    lines.push(`  ${d.problem.padEnd(19)} ${d.id}${versions ? `  (${versions})` : ''}`);
  }
  if (report.differences.length > 200) lines.push(`  ... and ${report.differences.length - 200} more (--json prints them all)`);
  return lines.join('\n');
}

async function main(): Promise<number> {
  const report = await adminCall<VerifyReport>('ops/verify');
  if (hasFlag('json')) console.log(JSON.stringify(report, null, 2));
  else console.log(`verify ${catalogUrl()}: ${formatVerifyReport(report)}`);
  return report.differences.length > 0 ? 1 : 0;
}

if (require.main === module) runMain(main);

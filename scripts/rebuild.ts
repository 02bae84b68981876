/**
 * `npm run rebuild`: rebuilds the read model from the write store into a new index and swaps the alias
 * (zero downtime), then checks convergence. Exits 1 if differences remain, 2 if it could not run.
 *
 * - With COSMOS_ENDPOINT, COSMOS_KEY and ELASTICSEARCH_URL set, it runs the rebuild here, directly against
 *   those stores, with a progress bar (rate, ETA). REDIS_URL, when set, is the cache whose search
 *   generation it bumps; ELASTICSEARCH_INDEX names the alias (default movies).
 * - Otherwise it asks the catalog to do it: POST /api/ops/rebuild with MASTER_KEY starts a job (or, with a
 *   rebuild already running, 409: it follows that one), then GET /api/ops/jobs/{id} until it ends, with a
 *   progress bar, and prints the report.
 *
 *   npm run rebuild -- [--url http://127.0.0.1:7071] [--http]     (--http: use the endpoint even if stores are set)
 */
import { SingleBar } from 'cli-progress';
import { createDeps } from '../shared/composition';
import { loadConfig } from '../shared/config';
import { rebuildReadModel, type RebuildProgress, type RebuildReport } from '../shared/operations/rebuild';
import { verifyConvergence } from '../shared/operations/verify';
import type { EventPublisher } from '../shared/ports';
import { catalogUrl, formatRate, hasFlag, runJob, runMain } from './cli';
import { formatVerifyReport } from './verify';

/** The rebuild publishes nothing; the composition root still wants a publisher. */
const noPublisher: EventPublisher = {
  publish: () => Promise.reject(new Error('the rebuild does not publish')),
  publishRaw: () => Promise.reject(new Error('the rebuild does not publish')),
  health: async () => 'disabled',
};

export function directMode(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env.COSMOS_ENDPOINT && env.COSMOS_KEY && env.ELASTICSEARCH_URL);
}

function formatReport(report: RebuildReport): string {
  return [
    `rebuild: ${report.loaded} movies loaded into ${report.index} in ${report.seconds.toFixed(1)} s (${formatRate(report.loaded, report.seconds)}), ` +
      `${report.replayed} tail event(s) replayed`,
    `  alias moved from ${report.previous.length > 0 ? report.previous.join(', ') : '(none)'} to ${report.index}; old index deleted`,
  ].join('\n');
}

async function direct(): Promise<number> {
  const config = loadConfig();
  const composition = await createDeps(config, {
    mode: 'local',
    logger: console,
    overrides: { publisher: noPublisher },
  });
  const { deps, services } = composition;
  try {
    for (const s of services) console.log(`  ${s.port.padEnd(12)} ${s.kind} (${s.target})`);
    if (!config.redis.url)
      console.warn('  note: REDIS_URL is not set, so cached searches of running hosts expire only with their TTL');
    process.stdout.write('counting movies... ');
    const total = await deps.eventStore.countMovies();
    console.log(total);

    const bar = new SingleBar({
      format: 'rebuild {phase} {bar} {percentage}% | {value}/{total} movies | {speed}/s | ETA {eta_formatted}',
      stream: process.stderr,
      hideCursor: true,
    });
    const started = performance.now();
    bar.start(Math.max(total, 1), 0, { phase: 'load ', speed: '0' });
    const onProgress = (p: RebuildProgress) => {
      const seconds = (performance.now() - started) / 1000;
      if (p.phase === 'load')
        bar.update(Math.min(p.done, total), {
          phase: 'load ',
          speed: seconds > 0 ? (p.done / seconds).toFixed(0) : '0',
        });
      else bar.update({ phase: p.phase.padEnd(5) });
    };
    let report: RebuildReport;
    try {
      report = await rebuildReadModel(deps, onProgress);
      bar.update(Math.min(report.loaded, total));
    } finally {
      bar.stop();
    }
    console.log(formatReport(report));
    const check = await verifyConvergence(deps);
    console.log(`verify: ${formatVerifyReport(check)}`);
    return check.differenceCount > 0 ? 1 : 0;
  } finally {
    await composition.close();
  }
}

async function viaHttp(): Promise<number> {
  console.log(`POST ${catalogUrl()}/api/ops/rebuild: a job, followed until it ends...`);
  const job = await runJob<RebuildReport & { differences: number }>('ops/rebuild', {
    label: 'rebuild',
    followRunning: true,
  });
  const report = job.result!;
  console.log(formatReport(report));
  console.log(
    `verify: ${report.differences === 0 ? 'converged, no differences' : `${report.differences} difference(s) (npm run verify lists them)`}`,
  );
  return report.differences > 0 ? 1 : 0;
}

async function main(): Promise<number> {
  if (directMode() && !hasFlag('http')) {
    console.log('rebuild: directly against the configured stores');
    return direct();
  }
  return viaHttp();
}

if (require.main === module) runMain(main);

/**
 * `npm start`: the whole system locally on embedded defaults (or on whatever the configuration points
 * at), served by the local Functions host. Ctrl-C shuts everything down cleanly.
 */
import { ConfigError, loadConfig, readLocalSettings } from '../shared/config';

async function main(): Promise<void> {
  // As the Functions host does: local.settings.json Values become environment variables (env wins).
  for (const [name, value] of Object.entries(readLocalSettings())) process.env[name] ??= value;
  const config = loadConfig(process.env);
  const [{ startLocalHost, resolveSchedule }, { functions }, { describeHost }] = await Promise.all([
    import('../shared/local/host.js'),
    import('../functions/all.js'),
    import('./banner.js'),
  ]);
  const started = Date.now();
  const logger =
    config.logFormat === 'json' ? (await import('../shared/logging.js')).structuredLogger(console) : console;
  const host = await startLocalHost({ config, functions, logger, hostname: process.env.HOST ?? '127.0.0.1' });
  // The banner says the host is up only once it has answered a request of its own.
  const health = await fetch(`${host.url}/api/health`);
  await health.arrayBuffer();
  console.log(describeHost(host, Date.now() - started, (schedule) => resolveSchedule(schedule, config)));
  if (config.local.seed === 'auto') {
    const { seedIfEmpty } = await import('./seed.js');
    void seedIfEmpty(host).catch((error: Error) => console.warn(`seed skipped: ${error.message}`));
  }
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: shutting down...`);
    await host.stop();
    console.log('stopped.');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});

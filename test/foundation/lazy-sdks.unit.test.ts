/**
 * Cold start: requiring the function entry (what the Functions host does before the first invocation)
 * loads no heavy SDK and no schema library; each SDK loads on first use, from the composition root or its
 * adapter, and zod with the definitions (functions/index.ts). Checked in a fresh child process, on its
 * module cache, so nothing an earlier test loaded can hide or fake it.
 */
import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { HEAVY_SDKS } from '../support/sdks';

const ROOT = resolve(__dirname, '..', '..');
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');

/** Probe code defining `loadedPackages()`: the packages (node_modules/<name>) in the probe's module cache, sorted. */
const LOADED_PACKAGES = `
  const loadedPackages = () => {
    const names = new Set();
    for (const file of Object.keys(require.cache)) {
      const m = /[\\\\/]node_modules[\\\\/]((?:@[^\\\\/]+[\\\\/])?[^\\\\/]+)[\\\\/]/.exec(file.slice(file.lastIndexOf('node_modules') - 1));
      if (m) names.add(m[1].replace(/\\\\/g, '/'));
    }
    return [...names].sort();
  };
`;

/** Requires `entry` in a fresh process and lists the packages now in its module cache. */
async function packagesLoadedBy(entry: string): Promise<string[]> {
  const probe = `
    ${LOADED_PACKAGES}
    require(${JSON.stringify(entry)});
    process.stdout.write(JSON.stringify(loadedPackages()));
  `;
  const { stdout } = await promisify(execFile)(TSX, ['-e', probe], { cwd: ROOT, timeout: 60_000 });
  return JSON.parse(stdout) as string[];
}

describe('heavy SDKs load on first use, not when the function entry is required', () => {
  it('requiring functions/index loads none of them, and no schema library either (the definitions load on first invocation)', async () => {
    const loaded = await packagesLoadedBy(join(ROOT, 'functions', 'index.ts'));
    expect(loaded).toContain('@azure/functions'); // the probe sees packages at all
    expect(HEAVY_SDKS.filter((name) => loaded.includes(name))).toEqual([]);
    expect(loaded).not.toContain('zod');
  });

  it('the probe sees zod where the definitions are loaded', async () => {
    expect(await packagesLoadedBy(join(ROOT, 'functions', 'all.ts'))).toContain('zod');
  });

  it('the probe sees an SDK that is loaded', async () => {
    const loaded = await packagesLoadedBy(join(ROOT, 'shared', 'adapters', 'cosmos-event-store.ts'));
    expect(HEAVY_SDKS.filter((name) => loaded.includes(name))).toEqual(['@azure/cosmos']);
  });
});

describe('in Azure each port loads its SDK on its first use, not when the dependencies are made', () => {
  it('making the dependencies loads no SDK; a publish loads the Event Grid SDK and no other', async () => {
    // Every store is configured and unreachable (a closed port): the publish fails, after loading its SDK.
    const probe = `
      const { createDeps } = require(${JSON.stringify(join(ROOT, 'shared', 'composition.ts'))});
      const { loadConfig } = require(${JSON.stringify(join(ROOT, 'shared', 'config.ts'))});
      ${LOADED_PACKAGES}
      (async () => {
        const config = loadConfig({
          COSMOS_ENDPOINT: 'https://127.0.0.1:9/', COSMOS_KEY: 'a2V5',
          EVENTGRID_TOPIC_ENDPOINT: 'https://127.0.0.1:9/api/events', EVENTGRID_TOPIC_KEY: 'topic-key',
          ELASTICSEARCH_URL: 'http://127.0.0.1:9', REDIS_URL: 'redis://127.0.0.1:9',
        });
        const quiet = { log() {}, warn() {}, error() {} };
        const { deps } = await createDeps(config, { mode: 'azure', logger: quiet });
        const made = loadedPackages();
        const kinds = [deps.readStore.kind, deps.cache.kind];
        await deps.publisher.publishRaw([]).catch(() => undefined);
        process.stdout.write(JSON.stringify({ made, kinds, published: loadedPackages() }));
        process.exit(0);
      })();
    `;
    const { stdout } = await promisify(execFile)(TSX, ['-e', probe], { cwd: ROOT, timeout: 60_000 });
    const { made, kinds, published } = JSON.parse(stdout) as { made: string[]; kinds: string[]; published: string[] };
    expect(made).toContain('zod'); // the probe sees packages at all (the configuration's)
    expect(HEAVY_SDKS.filter((name) => made.includes(name))).toEqual([]);
    expect(kinds).toEqual(['elasticsearch', 'redis']);
    expect(HEAVY_SDKS.filter((name) => published.includes(name))).toEqual(['@azure/eventgrid']);
  });
});

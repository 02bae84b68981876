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

/** Requires `entry` in a fresh process and lists the packages (node_modules/<name>) now in its module cache. */
async function packagesLoadedBy(entry: string): Promise<string[]> {
  const probe = `
    require(${JSON.stringify(entry)});
    const names = new Set();
    for (const file of Object.keys(require.cache)) {
      const m = /[\\\\/]node_modules[\\\\/]((?:@[^\\\\/]+[\\\\/])?[^\\\\/]+)[\\\\/]/.exec(file.slice(file.lastIndexOf('node_modules') - 1));
      if (m) names.add(m[1].replace(/\\\\/g, '/'));
    }
    process.stdout.write(JSON.stringify([...names].sort()));
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

import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { unzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { buildBundle, buildPackage } from '../../scripts/package';
import { functions } from '../../functions/index';

/** Split-off code: `<name>-<esbuild content hash>.js` under dist/functions/chunks/. */
const CHUNK = /^dist\/functions\/chunks\/[\w.-]+-[A-Z0-9]{8}\.js$/;

/** Packages a cold start must not load: each is reached only through a dynamic import. */
const HEAVY_SDKS = [
  '@azure/cosmos',
  '@elastic/elasticsearch',
  'ioredis',
  '@azure/storage-blob',
  '@azure/eventgrid',
  'applicationinsights',
  '@azure/identity',
];

describe('deploy package with the pages', () => {
  it('carries the pages and Swagger UI as files beside the bundle, and stays within 3 MB zipped', async () => {
    const info = await buildPackage();
    expect(info.bytes).toBeLessThanOrEqual(3 * 1000 * 1000);
    const entries = Object.keys(unzipSync(readFileSync(info.path))).sort();
    expect(entries.filter((name) => !CHUNK.test(name))).toEqual([
      'dist/functions/index.js',
      'host.json',
      'package.json',
      'web/catalog.css',
      'web/catalog.html',
      'web/catalog.js',
      'web/docs.css',
      'web/docs.html',
      'web/docs.js',
      'web/icon.svg',
      'web/vendor/swagger-ui/LICENSE',
      'web/vendor/swagger-ui/NOTICE',
      'web/vendor/swagger-ui/swagger-ui-bundle.js',
      'web/vendor/swagger-ui/swagger-ui.css',
    ]);
    // the bundle does not embed the assets: they are read from the files on request
    const files = unzipSync(readFileSync(info.path));
    for (const name of entries.filter((n) => n.startsWith('dist/'))) expect(Buffer.from(files[name]!).toString('utf8'), name).not.toContain('SwaggerUIBundle');
  });
});

describe('deploy package: cold start', () => {
  it('what the entry imports statically (loaded before any function runs) holds none of the heavy SDKs', async () => {
    const { metafile } = await buildBundle();
    const entry = Object.keys(metafile.outputs).find((name) => name.endsWith('dist/functions/index.js'))!;
    const startup = new Set<string>();
    for (const pending = [entry]; pending.length > 0; ) {
      const output = pending.pop()!;
      if (startup.has(output)) continue;
      startup.add(output);
      for (const imported of metafile.outputs[output]!.imports) if (imported.kind === 'import-statement' && !imported.external) pending.push(imported.path);
    }
    const packageOf = (input: string) => /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input.slice(input.lastIndexOf('node_modules/')))?.[1];
    const atStartup = new Set([...startup].flatMap((output) => Object.keys(metafile.outputs[output]!.inputs).map(packageOf)));
    const everywhere = new Set(Object.values(metafile.outputs).flatMap((output) => Object.keys(output.inputs).map(packageOf)));
    expect(atStartup.has('@azure/functions')).toBe(true); // the walk sees packages at all
    expect(HEAVY_SDKS.filter((name) => everywhere.has(name))).toEqual(HEAVY_SDKS); // each is in the package
    expect(HEAVY_SDKS.filter((name) => atStartup.has(name))).toEqual([]);
  });

  it('Node imports the packaged entry (ES module) and every chunk, unzipped as the host unpacks it', async () => {
    const info = await buildPackage();
    const dir = mkdtempSync(join(tmpdir(), 'package-esm-'));
    try {
      const files = unzipSync(readFileSync(info.path));
      for (const [name, data] of Object.entries(files)) {
        mkdirSync(dirname(join(dir, name)), { recursive: true });
        writeFileSync(join(dir, name), data);
      }
      expect(JSON.parse(Buffer.from(files['package.json']!).toString('utf8'))).toMatchObject({ type: 'module', main: 'dist/functions/*.js' });
      const chunks = Object.keys(files).filter((name) => CHUNK.test(name));
      const probe = `
        const { pathToFileURL } = require('node:url');
        const [root, ...chunks] = process.argv.slice(1);
        (async () => {
          const entry = await import(pathToFileURL(root + '/dist/functions/index.js').href);
          for (const chunk of chunks) await import(pathToFileURL(root + '/' + chunk).href);
          process.stdout.write(JSON.stringify({ functions: entry.functions.length, chunks: chunks.length }));
        })().catch((error) => { console.error(error); process.exit(1); });
      `;
      const { stdout } = await promisify(execFile)(process.execPath, ['-e', probe, dir, ...chunks], { cwd: tmpdir(), timeout: 120_000, maxBuffer: 1 << 20 });
      expect(JSON.parse(stdout.trim().split('\n').pop()!)).toEqual({ functions: functions.length, chunks: chunks.length });
      expect(chunks.length).toBeGreaterThan(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

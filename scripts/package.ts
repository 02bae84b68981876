/**
 * `npm run package`: the deployable Functions package, dist/functionapp.zip:
 *   host.json, package.json (main: dist/functions/*.js), dist/functions/index.js (one minified bundle),
 *   web/ (the pages' files) and web/vendor/swagger-ui/ (Swagger UI's bundle, stylesheet and licence),
 *   read by the page functions on request.
 * The zip is deterministic (sorted entries, fixed timestamps): the same source gives the same sha256,
 * which is what promotion from dev to prod checks. Entries are Unix files with mode 0644, so the
 * platform's unzip gives every file read permission whatever tool extracts it.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { zipSync } from 'fflate';
import { ASSETS, PAGES, PACKAGED_SWAGGER_DIR, SWAGGER_UI_FILES, WEB_DIR } from '../shared/http/web';

const ROOT = resolve(__dirname, '..');
export const PACKAGE_PATH = join(ROOT, 'dist', 'functionapp.zip');
/** "Made by" Unix (3), so unzip reads the high 16 bits of the external attributes as st_mode. */
export const ZIP_OS_UNIX = 3;
/** A regular file (S_IFREG 0o100000), rw-r--r--, in the high 16 bits of external_attr. */
export const ZIP_FILE_ATTRS = (0o100644 << 16) >>> 0;

/** The package's zip: entries sorted by name, fixed time, Unix regular files with mode 0644. */
export function zipEntries(files: Readonly<Record<string, Uint8Array>>): Uint8Array {
  // Local midnight, made at each call: a zip stores wall-clock DOS time (fflate reads the local date parts),
  // so a fixed UTC instant would give other bytes on a machine in another time zone.
  const mtime = new Date(2020, 0, 1, 0, 0, 0);
  const entries: Record<string, [Uint8Array, { mtime: Date; os: number; attrs: number }]> = {};
  for (const name of Object.keys(files).sort()) {
    entries[name] = [files[name]!, { mtime, os: ZIP_OS_UNIX, attrs: ZIP_FILE_ATTRS }];
  }
  return zipSync(entries, { level: 9 });
}

export interface PackageInfo {
  readonly path: string;
  readonly bytes: number;
  readonly bundleBytes: number;
  readonly sha256: string;
}

export async function buildPackage(): Promise<PackageInfo> {
  const result = await build({
    entryPoints: [join(ROOT, 'functions', 'index.ts')],
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    minify: true,
    sourcemap: false,
    legalComments: 'none',
    // Provided by the Functions worker at run time.
    external: ['@azure/functions-core'],
    write: false,
    logLevel: 'warning',
    outfile: 'dist/functions/index.js',
  });
  const bundle = result.outputFiles[0]!.contents;
  const own = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string };
  const manifest = { name: own.name, version: own.version, private: true, type: 'commonjs', main: 'dist/functions/*.js' };
  const files: Record<string, Uint8Array> = {
    'dist/functions/index.js': bundle,
    'host.json': readFileSync(join(ROOT, 'host.json')),
    'package.json': Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`),
  };
  const served = [...Object.values(PAGES), ...Object.values(ASSETS)].filter((f) => f.origin === 'web').map((f) => f.file);
  for (const name of served) files[`${WEB_DIR}/${name}`] = readFileSync(join(ROOT, WEB_DIR, name));
  for (const name of SWAGGER_UI_FILES) {
    files[`${PACKAGED_SWAGGER_DIR}/${name}`] = readFileSync(join(ROOT, 'node_modules', 'swagger-ui-dist', name));
  }
  const zip = zipEntries(files);
  mkdirSync(join(ROOT, 'dist'), { recursive: true });
  writeFileSync(PACKAGE_PATH, zip);
  return { path: PACKAGE_PATH, bytes: zip.byteLength, bundleBytes: bundle.byteLength, sha256: createHash('sha256').update(zip).digest('hex') };
}

if (require.main === module) {
  buildPackage()
    .then((info) => {
      console.log(`${info.path}\n  zip ${(info.bytes / 1024 / 1024).toFixed(2)} MiB (bundle ${(info.bundleBytes / 1024 / 1024).toFixed(2)} MiB)\n  sha256 ${info.sha256}`);
    })
    .catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
}

/**
 * `npm run package`: the deployable Functions package, dist/functionapp.zip:
 *   host.json, package.json (main: dist/functions/*.js, type: module), dist/functions/index.js (the entry,
 *   minified ES module) and dist/functions/chunks/ (code split off it), web/ (the pages' files) and
 *   web/vendor/swagger-ui/ (Swagger UI's bundle, stylesheet and licence), read by the page functions on
 *   request.
 *
 * Cold start: the host requires only the entry and what it imports statically. Every SDK is reached
 * through a dynamic import (the composition root and its adapters), which esbuild splits into chunks
 * loaded on first use; a single bundle would make every cold start parse all of them (~6.5 MB).
 * The zip is deterministic (sorted entries, fixed timestamps): the same source gives the same sha256,
 * which is what promotion from dev to prod checks. Entries are Unix files with mode 0644, so the
 * platform's unzip gives every file read permission whatever tool extracts it.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { build, type Metafile, type Plugin } from 'esbuild';
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
  /** The entry and every chunk, unzipped. */
  readonly bundleBytes: number;
  /** The entry alone: what a cold start parses before any function runs. */
  readonly entryBytes: number;
  readonly sha256: string;
}

/**
 * Gives the ES module output what esbuild's bundled CommonJS code expects: `require` (Node's built-ins,
 * `@azure/functions-core` from the worker), `__filename` and `__dirname`.
 */
const ESM_PRELUDE =
  "import{createRequire as __cjsRequire}from'node:module';import{fileURLToPath as __cjsPath}from'node:url';" +
  "const require=__cjsRequire(import.meta.url),__filename=__cjsPath(import.meta.url),__dirname=__cjsPath(new URL('.',import.meta.url));";

/**
 * Modules the package carries as a stub instead of their code, because nothing the app runs reaches them:
 *
 * - apache-arrow (and its subpaths): only the Elasticsearch client's ES|QL Arrow helper (`toArrowTable`)
 *   and Blob Storage's Arrow listing format use it; the app calls neither.
 * - The OpenTelemetry exporters and file configuration of `@opentelemetry/sdk-node`: its NodeSDK builds
 *   OTLP/Prometheus/Zipkin exporters only from OTEL_TRACES_EXPORTER / OTEL_METRICS_EXPORTER /
 *   OTEL_LOGS_EXPORTER when it is given no span processors, metric readers or log record processors, and
 *   `@azure/monitor-opentelemetry` always gives it all three (the Azure Monitor ones); `@opentelemetry/configuration`
 *   (and YAML) serves only `startNodeSDK`'s configuration file, which nothing calls. applicationinsights
 *   builds an OTLP HTTP exporter only when its own `otlp*ExporterConfig` is enabled, which shared/telemetry.ts
 *   never does. gRPC and protobuf come in only through those exporters.
 *
 * A stub's module object has no keys; any export it is asked for is a function that throws, called or
 * constructed, naming the module: a path that does reach one fails loudly, never silently.
 * test/web/package.int.test.ts starts telemetry from the built package and sees it arrive.
 */
export const LEFT_OUT = [
  /^apache-arrow(\/|$)/,
  /^@opentelemetry\/exporter-(trace|metrics|logs)-otlp-(http|grpc|proto)$/,
  /^@opentelemetry\/exporter-(prometheus|zipkin)$/,
  /^@opentelemetry\/otlp-(grpc-)?exporter-base(\/|$)/,
  /^@opentelemetry\/otlp-transformer(\/|$)/,
  /^@opentelemetry\/configuration$/,
  /^@grpc\//,
] as const;

/** The stub's source: an empty module object whose every requested export throws when used. */
export function leftOutModule(name: string): string {
  return (
    `const name=${JSON.stringify(name)};` +
    'module.exports=new Proxy({},{get(_,key){if(typeof key!=="string"||key==="__esModule"||key==="then")return;' +
    'return function(){throw new Error(name+" ("+key+") is left out of the deployable package (scripts/package.ts)")}}});'
  );
}

const leaveOut: Plugin = {
  name: 'leave-out-unreached-modules',
  setup(build) {
    const filter = new RegExp(LEFT_OUT.map((pattern) => pattern.source).join('|'));
    build.onResolve({ filter }, (args) => ({ path: args.path, namespace: 'left-out' }));
    build.onLoad({ filter: /.*/, namespace: 'left-out' }, (args) => ({
      contents: leftOutModule(args.path),
      loader: 'js',
    }));
  },
};

/**
 * zod's `locales` namespace (`z.locales`, `z.core.locales`): 40-odd translations of its error messages, ~0.25 MB
 * that every cold start would load with the entry. zod itself configures English (`locales/en.js`, imported
 * directly); the app never selects another locale (`z.config(z.locales.xx())`), so the namespace keeps `en` only.
 */
const zodEnglishOnly: Plugin = {
  name: 'zod-english-only',
  setup(build) {
    build.onLoad({ filter: /[\\/]node_modules[\\/]zod[\\/]v4[\\/]locales[\\/]index\.js$/ }, (args) => ({
      contents: "export { default as en } from './en.js';",
      loader: 'js',
      resolveDir: dirname(args.path),
    }));
  },
};

/** `import('./relative.js')` with a literal specifier: what CommonJS builds of some SDKs use to load lazily. */
const RELATIVE_DYNAMIC_IMPORT = /\bimport\((['"])(\.{1,2}\/[^'"]+)\1\)/g;
/** CommonJS: assigns `exports`, and has no top-level import or export statement. */
const isCommonJs = (source: string) =>
  /\b(module\.)?exports\b/.test(source) && !/^\s*(import\s[\w{*]|export\s)/m.test(source);

/**
 * In an ES module bundle with code splitting, esbuild gives `import()` of a CommonJS file only a `default`
 * export (the exports object), where Node gives its named exports too: so the CommonJS builds of
 * OpenTelemetry's host detector (`(await import('./getMachineId-linux.js')).getMachineId`) and of the Azure
 * Monitor exporter's SDK stats (`const { AzureMonitorStatsbeatExporter } = await import(...)`) would get
 * `undefined`, and the host resource attribute never settles (no metric is ever exported). Inside CommonJS
 * files, such an import becomes `Promise.resolve().then(() => require(...))`: the same module object, still
 * on first use, and still a rejected promise if it throws.
 */
const commonJsDynamicImports: Plugin = {
  name: 'commonjs-dynamic-imports',
  setup(build) {
    build.onLoad({ filter: /[\\/]node_modules[\\/].*\.c?js$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      if (!source.includes('import(') || !isCommonJs(source)) return undefined;
      const contents = source.replace(RELATIVE_DYNAMIC_IMPORT, 'Promise.resolve().then(() => require($1$2$1))');
      return contents === source ? undefined : { contents, loader: 'js', resolveDir: dirname(args.path) };
    });
  },
};

/** The names (inside the package) and bytes of the entry and its chunks, and esbuild's metafile. */
export async function buildBundle(): Promise<{ files: Record<string, Uint8Array>; metafile: Metafile }> {
  const outdir = join(ROOT, 'dist', 'functions');
  const result = await build({
    entryPoints: { index: join(ROOT, 'functions', 'index.ts') },
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'esm',
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    minify: true,
    sourcemap: false,
    legalComments: 'none',
    banner: { js: ESM_PRELUDE },
    // Provided by the Functions worker at run time.
    external: ['@azure/functions-core'],
    plugins: [leaveOut, commonJsDynamicImports, zodEnglishOnly],
    metafile: true,
    write: false,
    logLevel: 'warning',
    outdir,
  });
  const files: Record<string, Uint8Array> = {};
  for (const output of result.outputFiles)
    files[`dist/functions/${relative(outdir, output.path).split(sep).join('/')}`] = output.contents;
  return { files, metafile: result.metafile };
}

export async function buildPackage(): Promise<PackageInfo> {
  const { files: bundle } = await buildBundle();
  const own = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string };
  const manifest = { name: own.name, version: own.version, private: true, type: 'module', main: 'dist/functions/*.js' };
  const files: Record<string, Uint8Array> = {
    ...bundle,
    'host.json': readFileSync(join(ROOT, 'host.json')),
    'package.json': Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`),
  };
  const served = [...Object.values(PAGES), ...Object.values(ASSETS)]
    .filter((f) => f.origin === 'web')
    .map((f) => f.file);
  for (const name of served) files[`${WEB_DIR}/${name}`] = readFileSync(join(ROOT, WEB_DIR, name));
  for (const name of SWAGGER_UI_FILES) {
    files[`${PACKAGED_SWAGGER_DIR}/${name}`] = readFileSync(join(ROOT, 'node_modules', 'swagger-ui-dist', name));
  }
  const zip = zipEntries(files);
  mkdirSync(join(ROOT, 'dist'), { recursive: true });
  writeFileSync(PACKAGE_PATH, zip);
  return {
    path: PACKAGE_PATH,
    bytes: zip.byteLength,
    bundleBytes: Object.values(bundle).reduce((sum, f) => sum + f.byteLength, 0),
    entryBytes: bundle['dist/functions/index.js']!.byteLength,
    sha256: createHash('sha256').update(zip).digest('hex'),
  };
}

if (require.main === module) {
  buildPackage()
    .then((info) => {
      console.log(
        `${info.path}\n  zip ${(info.bytes / 1024 / 1024).toFixed(2)} MiB, ${info.bytes} bytes (bundle ${(info.bundleBytes / 1024 / 1024).toFixed(2)} MiB, entry ${(info.entryBytes / 1024).toFixed(0)} KiB)\n  sha256 ${info.sha256}`,
      );
    })
    .catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
}

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { unzipSync } from 'fflate';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { buildBundle, buildPackage, leftOutModule } from '../../scripts/package';
import { functions } from '../../functions/all';
import { createCosmosEventStore } from '../../shared/adapters/cosmos-event-store';
import { startEmbeddedCosmos } from '../../shared/local/cosmos';
import { deleteIndicesWithPrefix, elasticsearchUnavailableReason, uniqueIndexPrefix } from '../support/elasticsearch';
import { unavailable } from '../support/services';
import { HEAVY_SDKS } from '../support/sdks';
import { startIngestionServer } from '../support/ingestion';

/** Split-off code: `<name>-<esbuild content hash>.js` under dist/functions/chunks/. */
const CHUNK = /^dist\/functions\/chunks\/[\w.-]+-[A-Z0-9]{8}\.js$/;

describe('deploy package with the pages', () => {
  it('carries the pages and Swagger UI as files beside the bundle, and stays within 2 MB (2,000,000 bytes) zipped', async () => {
    const info = await buildPackage();
    console.log(
      `dist/functionapp.zip: ${info.bytes} bytes zipped (${(info.bytes / 1024 / 1024).toFixed(2)} MiB); ` +
        `bundle ${info.bundleBytes} bytes, entry ${info.entryBytes} bytes`,
    );
    // Issue 15: "≤ 2 MB zipped", read as decimal megabytes (the stricter of 2 MB and 2 MiB = 2,097,152 bytes).
    expect(info.bytes).toBeLessThanOrEqual(2_000_000);
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
    for (const name of entries.filter((n) => n.startsWith('dist/')))
      expect(Buffer.from(files[name]!).toString('utf8'), name).not.toContain('SwaggerUIBundle');
  });
});

describe('deploy package: modules left out', () => {
  it('carries no code of the modules nothing reaches (Arrow, the OTLP/Prometheus/Zipkin exporters, gRPC, file configuration), and no import() of a CommonJS file', async () => {
    const { metafile } = await buildBundle();
    const inputs = Object.values(metafile.outputs).flatMap((output) => Object.keys(output.inputs));
    const packageOf = (input: string) =>
      /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input.slice(input.lastIndexOf('node_modules/')))?.[1];
    const packages = new Set(inputs.map(packageOf));
    const leftOut = [
      'apache-arrow',
      'flatbuffers',
      '@grpc/grpc-js',
      '@grpc/proto-loader',
      'protobufjs',
      'yaml',
      '@opentelemetry/configuration',
      '@opentelemetry/exporter-trace-otlp-http',
      '@opentelemetry/exporter-trace-otlp-grpc',
      '@opentelemetry/exporter-metrics-otlp-proto',
      '@opentelemetry/exporter-logs-otlp-grpc',
      '@opentelemetry/exporter-prometheus',
      '@opentelemetry/exporter-zipkin',
      '@opentelemetry/otlp-transformer',
    ];
    expect(leftOut.filter((name) => packages.has(name))).toEqual([]);
    // what telemetry does use is there
    expect(
      ['applicationinsights', '@azure/monitor-opentelemetry-exporter', '@opentelemetry/sdk-node'].filter(
        (n) => !packages.has(n),
      ),
    ).toEqual([]);
    // zod's error messages in English only: the locale zod configures itself, and no other
    const zodLocales = inputs.filter((input) => /node_modules\/zod\/v4\/locales\/(?!index)/.test(input));
    expect([...new Set(zodLocales)]).toEqual(['node_modules/zod/v4/locales/en.js']);
    // esbuild gives import() of a CommonJS file only a default export (Node gives named ones too)
    const commonJsDynamic = Object.entries(metafile.inputs).flatMap(([file, input]) =>
      input.format === 'cjs'
        ? input.imports
            .filter((i) => i.kind === 'dynamic-import' && metafile.inputs[i.path]?.format === 'cjs')
            .map((i) => `${file} -> ${i.path}`)
        : [],
    );
    expect(commonJsDynamic).toEqual([]);
  });

  it('a left-out module is an empty module object whose exports throw when called or constructed', () => {
    const module = { exports: {} as Record<string, unknown> };
    runInNewContext(leftOutModule('@opentelemetry/exporter-zipkin'), { module, Proxy, Error });
    expect(Object.keys(module.exports)).toEqual([]);
    const Exporter = module.exports.ZipkinExporter as new () => unknown;
    expect(() => new Exporter()).toThrow(
      '@opentelemetry/exporter-zipkin (ZipkinExporter) is left out of the deployable package (scripts/package.ts)',
    );
    expect(() => (Exporter as unknown as () => unknown)()).toThrow(/left out of the deployable package/);
  });
});

/** Unzips the package into a fresh temp dir, as the host unpacks it; returns the dir and the chunk names. */
async function unpacked(): Promise<{ dir: string; files: Record<string, Uint8Array>; chunks: string[] }> {
  const info = await buildPackage();
  const dir = mkdtempSync(join(tmpdir(), 'package-esm-'));
  const files = unzipSync(readFileSync(info.path));
  for (const [name, data] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), data);
  }
  return { dir, files, chunks: Object.keys(files).filter((name) => CHUNK.test(name)) };
}

/**
 * Writes a probe script beside the package (CommonJS, .cjs). Not `node -e`: that makes require a global,
 * which would hide an ES module chunk that needs the package's own require.
 */
function probeFile(dir: string, source: string): string {
  const file = join(dir, 'probe.cjs');
  writeFileSync(file, source);
  return file;
}

describe('deploy package: cold start', () => {
  it('what the entry imports statically (loaded before any function runs) holds none of the heavy SDKs and no zod', async () => {
    const { metafile } = await buildBundle();
    const entry = Object.keys(metafile.outputs).find((name) => name.endsWith('dist/functions/index.js'))!;
    const startup = new Set<string>();
    for (const pending = [entry]; pending.length > 0;) {
      const output = pending.pop()!;
      if (startup.has(output)) continue;
      startup.add(output);
      for (const imported of metafile.outputs[output]!.imports)
        if (imported.kind === 'import-statement' && !imported.external) pending.push(imported.path);
    }
    const packageOf = (input: string) =>
      /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input.slice(input.lastIndexOf('node_modules/')))?.[1];
    const atStartup = new Set(
      [...startup].flatMap((output) => Object.keys(metafile.outputs[output]!.inputs).map(packageOf)),
    );
    const everywhere = new Set(
      Object.values(metafile.outputs).flatMap((output) => Object.keys(output.inputs).map(packageOf)),
    );
    expect(atStartup.has('@azure/functions')).toBe(true); // the walk sees packages at all
    expect(HEAVY_SDKS.filter((name) => everywhere.has(name))).toEqual(HEAVY_SDKS); // each is in the package
    expect(HEAVY_SDKS.filter((name) => atStartup.has(name))).toEqual([]);
    // nor the schema library: the definitions (schemas, handlers) load on the first invocation
    expect(everywhere.has('zod')).toBe(true);
    expect(atStartup.has('zod')).toBe(false);
  });

  it('Node imports the packaged entry (ES module) and every chunk, unzipped as the host unpacks it', async () => {
    const { dir, files, chunks } = await unpacked();
    try {
      expect(JSON.parse(Buffer.from(files['package.json']!).toString('utf8'))).toMatchObject({
        type: 'module',
        main: 'dist/functions/*.js',
      });
      const probe = `
        const { pathToFileURL } = require('node:url');
        const [root, ...chunks] = process.argv.slice(2);
        (async () => {
          const entry = await import(pathToFileURL(root + '/dist/functions/index.js').href);
          for (const chunk of chunks) await import(pathToFileURL(root + '/' + chunk).href);
          process.stdout.write(JSON.stringify({ functions: entry.bindings.length, chunks: chunks.length }));
        })().catch((error) => { console.error(error); process.exit(1); });
      `;
      const { stdout } = await promisify(execFile)(process.execPath, [probeFile(dir, probe), dir, ...chunks], {
        cwd: tmpdir(),
        timeout: 120_000,
        maxBuffer: 1 << 20,
      });
      expect(JSON.parse(stdout.trim().split('\n').pop()!)).toEqual({
        functions: functions.length,
        chunks: chunks.length,
      });
      expect(chunks.length).toBeGreaterThan(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

const esUrl = process.env.ELASTICSEARCH_URL;

/**
 * The Functions worker answers require('@azure/functions-core') itself, by wrapping Module.prototype.require
 * (Azure/azure-functions-nodejs-worker, src/setupCoreModule.ts), which the prelude's createRequire also goes
 * through; and it loads a .js entry with import() when the app's package.json says "type": "module" (same
 * repository, src/loadScriptFile.ts, isESModule). This probe does both the same way, runs one create, writes
 * the answer as a line, and exits, or with `stay` waits for the parent to stop it (telemetry keeps exporting).
 * Waiting takes a handle of its own: the worker's gRPC channel to the host keeps a real worker alive, and the
 * SDK's export timers are unref'd, so without one the probe would exit, telemetry unsent, once the create's
 * sockets close.
 */
const CREATE_PROBE = `
  const Module = require('node:module');
  const { pathToFileURL } = require('node:url');
  const [root, functionsLibrary, stay] = process.argv.slice(2);
  const registered = new Map();
  const workerApi = {
    setProgrammingModel() {},
    registerHook() { return { dispose() {} }; },
    registerFunction(metadata, handler) { registered.set(metadata.name, handler); return { dispose() {} }; },
    log() {},
  };
  const original = Module.prototype.require;
  Module.prototype.require = function (id, ...rest) { return id === '@azure/functions-core' ? workerApi : original.call(this, id, ...rest); };
  (async () => {
    await import(pathToFileURL(root + '/dist/functions/index.js').href);
    const { HttpRequest, InvocationContext } = require(functionsLibrary);
    const request = new HttpRequest({ method: 'POST', url: 'http://localhost/api/movies', headers: { 'content-type': 'application/json' }, body: { string: JSON.stringify({ title: 'Alien', genres: ['Horror'] }) } });
    const response = await registered.get('createMovie')(request, new InvocationContext({ functionName: 'createMovie', invocationId: 'pkg-1' }));
    process.stdout.write(JSON.stringify({ registered: registered.size, status: response.status, body: response.jsonBody ?? JSON.parse(response.body) }) + '\\n');
    if (stay !== 'stay') process.exit(0);
    setInterval(() => {}, 60_000);
  })().catch((error) => { console.error(error); process.exit(1); });
`;

interface CreateAnswer {
  readonly registered: number;
  readonly status: number;
  readonly body: { id: string; version: number; title: string };
}

/**
 * The stores a create from the package needs (embedded Cosmos DB, a local Event Grid topic, an Elasticsearch
 * alias) and the package unpacked; `create` runs the probe with the settings plus `extraEnv`, and resolves with
 * the probe's answer and the running child (stopped by `close`, with everything else).
 */
async function packageWithStores() {
  const cosmos = await startEmbeddedCosmos();
  const published: unknown[][] = [];
  const topic = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.headers['aeg-sas-key'] !== 'package-topic-key') return void res.writeHead(401).end();
      published.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown[]);
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => topic.listen(0, '127.0.0.1', resolve));
  const alias = uniqueIndexPrefix('pkg');
  const { dir } = await unpacked();
  const children: ChildProcess[] = [];
  // In Azure the Pulumi program creates the container; the app's composition root (azure mode) does not.
  await createCosmosEventStore({
    client: cosmos.client,
    database: 'catalog',
    container: 'events',
    createIfMissing: true,
  }).init();
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    COSMOS_ENDPOINT: cosmos.endpoint,
    COSMOS_KEY: cosmos.key,
    EVENTGRID_TOPIC_ENDPOINT: `http://127.0.0.1:${(topic.address() as AddressInfo).port}/api/events`,
    EVENTGRID_TOPIC_KEY: 'package-topic-key',
    ELASTICSEARCH_URL: esUrl,
    ELASTICSEARCH_INDEX: alias,
    DEAD_LETTER_DIR: join(dir, 'deadletter'),
  };
  const library = dirname(require.resolve('@azure/functions/package.json'));
  return {
    cosmos,
    published,
    /** Runs the create probe; with `stay`, the child keeps running after it answers. */
    async create(extraEnv: NodeJS.ProcessEnv = {}, stay = false): Promise<CreateAnswer> {
      const child = spawn(process.execPath, [probeFile(dir, CREATE_PROBE), dir, library, ...(stay ? ['stay'] : [])], {
        cwd: dir,
        env: { ...env, ...extraEnv },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      children.push(child);
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
      const line = await new Promise<string>((resolve, reject) => {
        // The app logs to the console too: the answer is the line the probe writes.
        child.stdout.on('data', () => {
          const answer = stdout.split('\n').find((l) => l.startsWith('{"registered":') && l.endsWith('}'));
          if (answer !== undefined) resolve(answer);
        });
        child.once('exit', (code) => reject(new Error(`the probe exited ${code} without answering:\n${stderr}`)));
      });
      return JSON.parse(line) as CreateAnswer;
    },
    async close() {
      for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
      topic.closeAllConnections();
      await new Promise<void>((resolve) => topic.close(() => resolve()));
      await cosmos.close();
      await deleteIndicesWithPrefix(esUrl!, alias).catch(() => undefined);
    },
  };
}

describe.skipIf(
  unavailable('Elasticsearch', esUrl ? null : (elasticsearchUnavailableReason() ?? 'ELASTICSEARCH_URL is not set')),
)('deploy package: a function runs from it', () => {
  it('registers every function with the worker API, and a create runs through its lazily loaded chunks (Cosmos, Event Grid, Elasticsearch)', async () => {
    const stores = await packageWithStores();
    try {
      const answer = await stores.create();
      expect(answer).toMatchObject({ registered: functions.length, status: 201, body: { version: 1, title: 'Alien' } });
      expect(stores.published.flat()).toHaveLength(1);
      const store = createCosmosEventStore({ client: stores.cosmos.client, database: 'catalog', container: 'events' });
      expect(await store.get(answer.body.id, 1)).toMatchObject({ dispatched: true, state: { title: 'Alien' } });
    } finally {
      await stores.close();
    }
  });

  it('exports Application Insights telemetry from the package: the Cosmos DB and Event Grid dependencies and the catalog.commands metric arrive', async () => {
    const ingestion = await startIngestionServer();
    const stores = await packageWithStores();
    try {
      // The first invocation starts telemetry (azureDeps) before it runs: useAzureMonitor throws, and the probe
      // exits without an answer, if it reaches a left-out module or cannot find the SDK's exports.
      const answer = await stores.create(
        {
          APPLICATIONINSIGHTS_CONNECTION_STRING: ingestion.connectionString,
          TELEMETRY_CA_FILE: ingestion.caFile,
          TELEMETRY_EXPORT_INTERVAL_MS: '1000',
        },
        true,
      );
      expect(answer).toMatchObject({ registered: functions.length, status: 201, body: { version: 1, title: 'Alien' } });
      const dependencies = () => ingestion.ofType('RemoteDependencyData').map((e) => e.data!.baseData.name as string);
      const metrics = () =>
        ingestion
          .ofType('MetricData')
          .flatMap((e) => (e.data!.baseData.metrics as Array<{ name: string }>).map((m) => m.name));
      await ingestion.waitFor(
        () =>
          dependencies().includes('EventGridPublisherClient.send') &&
          dependencies().includes(`PATCH /dbs/catalog/colls/events/docs/${answer.body.id}:1`) &&
          metrics().includes('catalog.commands'),
        30_000,
      );
      expect(dependencies()).toContain('POST /dbs/catalog/colls/events/docs');
      expect(new Set(ingestion.envelopes.map((e) => e.tags?.['ai.cloud.role']))).toEqual(new Set(['movie-catalog']));
    } finally {
      await stores.close();
      await ingestion.close();
    }
  });
});

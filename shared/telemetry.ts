/**
 * Application Insights (Azure Monitor OpenTelemetry), loaded only when a connection string is
 * configured: requiring the SDK costs about a second, which a cold start without telemetry must not pay.
 *
 * Once started, the @opentelemetry/api calls in shared/observability.ts become real: spans export as
 * requests (SERVER, CONSUMER) and dependencies (CLIENT), the catalog.* instruments as custom metrics.
 *
 * The SDK registers process-global providers, so the running instance is module state by necessity;
 * start is idempotent and `stopTelemetry()` returns the module to its initial state.
 */
import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { SpanKind } from '@opentelemetry/api';
import type { AzureMonitorOpenTelemetryOptions } from 'applicationinsights';
import { withTimeout } from './concurrency';
import { ConfigError, type Config } from './config';

type ApplicationInsights = typeof import('applicationinsights');
type SpanProcessor = NonNullable<AzureMonitorOpenTelemetryOptions['spanProcessors']>[number];

const AI_OPERATION_NAME = 'ai.operation.name';

/**
 * The exporter names a request from a CONSUMER span (a projector delivery) after its `ai.operation.name`
 * attribute only, and leaves it unnamed otherwise; name it after the span, as SERVER requests are.
 */
const nameConsumerRequests: SpanProcessor = {
  onStart(span) {
    if (span.kind === SpanKind.CONSUMER && span.attributes[AI_OPERATION_NAME] === undefined)
      span.setAttribute(AI_OPERATION_NAME, span.name);
  },
  onEnd() {},
  forceFlush: async () => undefined,
  shutdown: async () => undefined,
};

/** Cloud role name (the `service.name` resource attribute) unless OTEL_SERVICE_NAME says otherwise. */
export const CLOUD_ROLE_NAME = 'movie-catalog';

/** Telemetry settings beyond the connection string, read from the environment. */
export interface TelemetrySettings {
  /** How often metrics are exported (TELEMETRY_EXPORT_INTERVAL_MS, else OTEL_METRIC_EXPORT_INTERVAL; default 60 s). */
  readonly exportIntervalMs: number;
  /** Live Metrics stream (TELEMETRY_LIVE_METRICS=on|off; default on in Azure, off elsewhere). */
  readonly liveMetrics: boolean;
  /** Keep failed batches on disk and retry them later (default in Azure only: a local run is short-lived). */
  readonly offlineStorage: boolean;
  /**
   * Extra PEM certificates trusted for the ingestion endpoint, on top of the public roots
   * (TELEMETRY_CA_FILE: a TLS-inspecting egress proxy, or a test endpoint).
   */
  readonly caFile?: string;
  /** Running in Azure App Service / Functions (WEBSITE_SITE_NAME is set by the platform). */
  readonly inAzure: boolean;
  /**
   * Entra (AAD) ingestion with a managed identity, from APPLICATIONINSIGHTS_AUTHENTICATION_STRING
   * (`Authorization=AAD;ClientId=<client id of a user-assigned identity>`, the App Service convention):
   * required when the component has local auth disabled, as the stack declares it.
   */
  readonly entra?: { readonly clientId?: string };
}

const DEFAULT_EXPORT_INTERVAL_MS = 60_000;

function onOff(env: NodeJS.ProcessEnv, name: string, fallback: boolean, problems: string[]): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (['on', 'true', '1'].includes(raw)) return true;
  if (['off', 'false', '0'].includes(raw)) return false;
  problems.push(`${name}: must be on or off`);
  return fallback;
}

/** Reads and validates the telemetry settings; throws ConfigError naming each bad setting. */
export function readTelemetrySettings(env: NodeJS.ProcessEnv = process.env): TelemetrySettings {
  const problems: string[] = [];
  const inAzure = Boolean(env.WEBSITE_SITE_NAME?.trim());
  let exportIntervalMs = DEFAULT_EXPORT_INTERVAL_MS;
  for (const name of ['TELEMETRY_EXPORT_INTERVAL_MS', 'OTEL_METRIC_EXPORT_INTERVAL'] as const) {
    const raw = env[name]?.trim();
    if (!raw) continue;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 100 || value > 3_600_000)
      problems.push(`${name}: must be an integer from 100 to 3600000 (ms)`);
    else exportIntervalMs = value;
    break;
  }
  const liveMetrics = onOff(env, 'TELEMETRY_LIVE_METRICS', inAzure, problems);
  const caFile = env.TELEMETRY_CA_FILE?.trim() || undefined;
  const entra = authenticationString(env.APPLICATIONINSIGHTS_AUTHENTICATION_STRING, problems);
  if (problems.length > 0) throw new ConfigError(problems);
  return { exportIntervalMs, liveMetrics, offlineStorage: inAzure, caFile, inAzure, ...(entra ? { entra } : {}) };
}

/** `Authorization=AAD[;ClientId=<guid>]`, keys case-insensitive; anything else is a configuration error. */
function authenticationString(raw: string | undefined, problems: string[]): TelemetrySettings['entra'] {
  const name = 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING';
  if (raw === undefined || raw.trim() === '') return undefined;
  const fields = new Map<string, string>();
  for (const part of raw
    .split(';')
    .map((p) => p.trim())
    .filter((p) => p !== '')) {
    const at = part.indexOf('=');
    if (at <= 0) {
      problems.push(`${name}: expected Authorization=AAD;ClientId=<client id>`);
      return undefined;
    }
    fields.set(part.slice(0, at).trim().toLowerCase(), part.slice(at + 1).trim());
  }
  if (fields.get('authorization') !== 'AAD') {
    problems.push(`${name}: Authorization must be AAD`);
    return undefined;
  }
  const clientId = fields.get('clientid');
  if (
    clientId !== undefined &&
    !/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/.test(clientId)
  ) {
    problems.push(`${name}: ClientId must be a GUID`);
    return undefined;
  }
  return clientId ? { clientId } : {};
}

/** The `Key=Value` fields of a connection string, keys lower-cased (Application Insights ignores their case). */
function connectionStringFields(connectionString: string): Map<string, string> {
  return new Map(
    connectionString
      .split(';')
      .map((part) => part.trim())
      .filter((part) => part.length > 0)
      .map((part) => {
        const at = part.indexOf('=');
        return [
          at < 0 ? part.toLowerCase() : part.slice(0, at).trim().toLowerCase(),
          at < 0 ? '' : part.slice(at + 1).trim(),
        ] as const;
      }),
  );
}

/** Where telemetry goes when the connection string names no IngestionEndpoint. */
export const DEFAULT_INGESTION_ENDPOINT = 'https://dc.services.visualstudio.com';

/**
 * The host name telemetry is sent to (the start-up banner lists it): the connection string's
 * IngestionEndpoint, else the global default. Never anything else of the string (the instrumentation key).
 */
export function ingestionHost(connectionString: string): string {
  return new URL(connectionStringFields(connectionString).get('ingestionendpoint') || DEFAULT_INGESTION_ENDPOINT).host;
}

/** Checks the shape of a connection string without ever echoing it (it carries the instrumentation key). */
export function validateConnectionString(connectionString: string): void {
  const name = 'APPLICATIONINSIGHTS_CONNECTION_STRING';
  const fields = connectionStringFields(connectionString);
  const problems: string[] = [];
  if (!fields.get('instrumentationkey')) problems.push(`${name}: has no InstrumentationKey`);
  for (const endpoint of ['ingestionendpoint', 'liveendpoint']) {
    const value = fields.get(endpoint);
    if (value !== undefined && !(URL.canParse(value) && new URL(value).protocol === 'https:')) {
      problems.push(
        `${name}: ${endpoint === 'ingestionendpoint' ? 'IngestionEndpoint' : 'LiveEndpoint'} must be an https URL`,
      );
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
}

/**
 * The SDK options. Everything the distro can only take from the environment is defaulted there (and
 * only when unset, so an app setting still wins):
 * - OTEL_NODE_RESOURCE_DETECTORS=env,host,os,process: the SDK's detectors leave the cloud metadata
 *   address alone (the distro's own config still probes it once, in the background with a 1 s timeout,
 *   when it finds no App Service / Functions / AKS / Container Apps platform, i.e. only off Azure);
 * - OTEL_SERVICE_NAME=movie-catalog: the cloud role name (the env detector runs last, so it also
 *   overrides the site name the Functions detector would put there);
 * - OTEL_METRIC_EXPORT_INTERVAL from the settings;
 * - APPLICATIONINSIGHTS_STATSBEAT_DISABLED outside Azure: the SDK's own usage reports go to fixed
 *   Microsoft endpoints, which a local run must not call.
 * Sampling: every trace (ratio 1, no per-second rate limit, which drops early spans); OTEL_TRACES_SAMPLER
 * (and _ARG) override it, e.g. `microsoft.rate_limited` with 5, or `parentbased_trace_id_ratio`.
 */
function azureMonitorOptions(
  connectionString: string,
  settings: TelemetrySettings,
  env: NodeJS.ProcessEnv = process.env,
): AzureMonitorOpenTelemetryOptions {
  env.OTEL_NODE_RESOURCE_DETECTORS ??= 'env,host,os,process';
  env.OTEL_SERVICE_NAME ??= CLOUD_ROLE_NAME;
  env.OTEL_METRIC_EXPORT_INTERVAL = String(settings.exportIntervalMs);
  if (!settings.inAzure) env.APPLICATIONINSIGHTS_STATSBEAT_DISABLED ??= 'true';

  const ca = settings.caFile ? [...rootCertificates, readFileSync(settings.caFile, 'utf8')] : undefined;
  // The host creates the request span of every invocation (the Azure host, or shared/local/dispatch.ts);
  // a second SERVER span from the http instrumentation would double every request. Incoming requests are
  // left unpatched altogether: an ignored one would run its handler with tracing suppressed.
  const http = { enabled: true, disableIncomingRequestInstrumentation: true };
  return {
    azureMonitorExporterOptions: {
      connectionString,
      disableOfflineStorage: !settings.offlineStorage,
      ...(ca ? { tlsOptions: { ca } } : {}),
    },
    samplingRatio: 1,
    tracesPerSecond: 0,
    enableLiveMetrics: settings.liveMetrics,
    instrumentationOptions: { http },
    spanProcessors: [nameConsumerRequests],
  };
}

/**
 * The http instrumentation patches `http` and `https` when they are next required (a require hook). The
 * SDKs in the deployable package (Cosmos DB, the Azure core pipeline) import them as ES modules, which
 * that hook never sees, and an SDK loaded on its first use may be the only one an invocation loads: the
 * modules are required here, once the hook is in place, so their outgoing requests are dependencies
 * whatever loads first (test/web/package.int.test.ts sees the Cosmos DB requests of a create).
 */
function patchCoreHttp(): void {
  /* eslint-disable @typescript-eslint/no-require-imports */
  require('http');
  require('https');
  /* eslint-enable @typescript-eslint/no-require-imports */
}

let running: Promise<ApplicationInsights> | undefined;

/**
 * Starts Application Insights when a connection string is configured. Idempotent: later calls (also
 * concurrent ones) share the first start, whatever they pass. Resolves true when telemetry runs.
 */
export async function startTelemetry(
  config: Pick<Config, 'appInsightsConnectionString'>,
  env: NodeJS.ProcessEnv = process.env,
): Promise<boolean> {
  if (running) {
    await running;
    return true;
  }
  const connectionString = config.appInsightsConnectionString;
  if (!connectionString) return false;
  validateConnectionString(connectionString);
  const settings = readTelemetrySettings(env);
  const options = azureMonitorOptions(connectionString, settings, env);
  const start = (async () => {
    if (settings.entra) {
      // Local auth is off on the component: every export carries a token of the app's managed identity.
      const { ManagedIdentityCredential } = await import('@azure/identity');
      const credential = settings.entra.clientId
        ? new ManagedIdentityCredential({ clientId: settings.entra.clientId })
        : new ManagedIdentityCredential();
      options.azureMonitorExporterOptions = { ...options.azureMonitorExporterOptions, credential };
    }
    // A CommonJS package: Node and tsx give its exports as named exports of the dynamic import, but the
    // deployable package's ES module chunks (esbuild) give them only as `default`.
    const loaded: ApplicationInsights & { default?: ApplicationInsights } = await import('applicationinsights');
    const sdk = typeof loaded.default?.useAzureMonitor === 'function' ? loaded.default : loaded;
    sdk.useAzureMonitor(options);
    patchCoreHttp();
    return sdk;
  })();
  running = start;
  try {
    await start;
  } catch (error) {
    if (running === start) running = undefined;
    throw error;
  }
  return true;
}

/** True once startTelemetry has started the SDK (and stopTelemetry has not stopped it). */
export function telemetryStarted(): boolean {
  return running !== undefined;
}

/** Exports whatever is buffered (spans, metrics, logs) now. A no-op when telemetry is off. */
export async function flushTelemetry(): Promise<void> {
  const sdk = await running?.catch(() => undefined);
  await sdk?.flushAzureMonitor();
}

/**
 * Exports what is buffered and shuts the SDK down (host shutdown), within `timeoutMs`. A no-op when
 * telemetry is off; a later startTelemetry starts the SDK again.
 */
export async function stopTelemetry(timeoutMs = 10_000): Promise<void> {
  const current = running;
  running = undefined;
  const sdk = await current?.catch(() => undefined);
  if (!sdk) return;
  // An unreachable ingestion endpoint must not hang a shutdown.
  const exported = (async () => {
    await sdk.flushAzureMonitor();
    await sdk.shutdownAzureMonitor();
  })();
  await withTimeout(
    exported.catch(() => undefined),
    timeoutMs,
    undefined,
  );
}

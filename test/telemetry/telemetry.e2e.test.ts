/**
 * Application Insights end to end, over the real exporter: the local host runs with a connection string
 * that points at a local HTTPS ingestion endpoint; a command carrying a caller's traceparent must
 * arrive as one operation: the POST request, the projector's CONSUMER span continued across the
 * (local) Event Grid topic, its read-store and cache dependencies, and the catalog.* custom metrics.
 *
 * The telemetry SDK is process-global: this file owns its worker and expects telemetry ON throughout.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flushTelemetry, stopTelemetry, telemetryStarted } from '../../shared/telemetry';
import { startTestHost, type TestHost } from '../support/host';
import {
  TEST_INSTRUMENTATION_KEY,
  startIngestionServer,
  type Envelope,
  type IngestionServer,
} from '../support/ingestion';

let ingestion: IngestionServer;
let host: TestHost;

beforeAll(async () => {
  ingestion = await startIngestionServer();
  // Read by startTelemetry when the host starts it: trust the endpoint's certificate (this process
  // only), and export metrics every second rather than every minute.
  process.env.TELEMETRY_CA_FILE = ingestion.caFile;
  process.env.TELEMETRY_EXPORT_INTERVAL_MS = '1000';
  host = await startTestHost({ env: { APPLICATIONINSIGHTS_CONNECTION_STRING: ingestion.connectionString } });
});

afterAll(async () => {
  await host?.stop();
  await stopTelemetry(); // a no-op once the host's stop() stops telemetry itself
  await ingestion?.close();
});

const tag = (e: Envelope, name: string) => e.tags?.[name];
const metricNames = (envelopes: readonly Envelope[]) =>
  new Set(
    envelopes
      .filter((e) => e.data?.baseType === 'MetricData')
      .flatMap((e) => (e.data!.baseData.metrics as Array<{ name: string }>).map((m) => m.name)),
  );

describe('Application Insights across Event Grid', () => {
  it('lists Application Insights among the host services, at the ingestion endpoint host only', () => {
    expect(host.services.find((s) => s.port === 'telemetry')).toEqual({
      port: 'telemetry',
      kind: 'Application Insights',
      target: new URL(ingestion.url).host,
    });
  });

  it('exports the command request, the projector and its dependencies in one operation, and the custom metrics', async () => {
    expect(telemetryStarted()).toBe(true);
    const startedAt = Date.now();
    const traceId = randomBytes(16).toString('hex');
    const callerSpanId = randomBytes(8).toString('hex');

    const created = await host.api('movies', {
      method: 'POST',
      body: { title: 'Heat', releaseDate: '1995-12-15', genres: ['Crime'] },
      headers: { traceparent: `00-${traceId}-${callerSpanId}-01` },
    });
    expect(created.status).toBe(201);
    const movieId = created.json.id as string;
    await host.settle();
    await flushTelemetry();

    const inTrace = (e: Envelope) => tag(e, 'ai.operation.id') === traceId;
    const projectorOf = (envelopes: readonly Envelope[]) =>
      envelopes.find((e) => inTrace(e) && e.data?.baseData.properties?.['cloudevents.event_id'] === `${movieId}:1`);
    await ingestion.waitFor((all) => {
      const projector = projectorOf(all);
      const names = metricNames(all);
      return (
        projector !== undefined &&
        all.filter((e) => tag(e, 'ai.operation.parentId') === projector.data!.baseData.id).length >= 2 &&
        names.has('catalog.commands') &&
        names.has('catalog.projection.lag')
      );
    });
    const all = ingestion.envelopes;

    // Every item is for this app: the test key and the cloud role name.
    expect(all.every((e) => e.iKey === TEST_INSTRUMENTATION_KEY)).toBe(true);

    // The POST: a request continuing the caller's trace.
    const request = ingestion
      .ofType('RequestData')
      .find((e) => inTrace(e) && e.data!.baseData.name === 'POST /api/movies');
    expect(request, 'POST request envelope').toBeDefined();
    expect(tag(request!, 'ai.operation.parentId')).toBe(callerSpanId);
    expect(tag(request!, 'ai.cloud.role')).toBe('movie-catalog');
    expect(request!.data!.baseData.success).toBe(true);

    // The projector: same operation, child of the POST (the traceparent travelled in the CloudEvent).
    const projector = projectorOf(all)!;
    expect(projector.data!.baseType).toBe('RequestData');
    expect(projector.data!.baseData.name).toBe('project Movies.MovieCreated.v1');
    expect(tag(projector, 'ai.operation.parentId')).toBe(request!.data!.baseData.id);

    // Its read-store write and cache invalidation: dependencies under the projector span.
    const children = ingestion
      .ofType('RemoteDependencyData')
      .filter((e) => inTrace(e) && tag(e, 'ai.operation.parentId') === projector.data!.baseData.id);
    const childNames = children.map((e) => e.data!.baseData.name as string);
    expect(childNames).toContainEqual(expect.stringMatching(/ index$/));
    expect(childNames).toContainEqual(expect.stringMatching(/ invalidate$/));
    const index = children.find((e) => / index$/.test(e.data!.baseData.name as string))!;
    expect(index.data!.baseData.properties['movie.id']).toBe(movieId);

    // Custom metrics from shared/observability.ts, with their dimensions.
    const metric = (name: string) =>
      ingestion
        .ofType('MetricData')
        .filter((e) => (e.data!.baseData.metrics as Array<{ name: string }>).some((m) => m.name === name));
    expect(metric('catalog.commands').map((e): unknown => e.data!.baseData.properties)).toContainEqual({
      type: 'CreateMovie',
      outcome: 'appended',
    });
    const lag = metric('catalog.projection.lag').find((e) => e.data!.baseData.properties?.outcome === 'applied');
    expect(lag, JSON.stringify(metric('catalog.projection.lag'))).toBeDefined();
    // One movie created, so exactly one applied projection; its lag (ms) lies within this test's own run.
    expect(lag!.data!.baseData.metrics[0].count).toBe(1);
    expect(lag!.data!.baseData.metrics[0].value).toBeGreaterThanOrEqual(0);
    expect(lag!.data!.baseData.metrics[0].value).toBeLessThanOrEqual(Date.now() - startedAt);

    // Live metrics stay off locally; the connection string is never logged.
    expect(ingestion.requests.filter((r) => /quickpulse/i.test(r.path))).toEqual([]);
    expect(host.logger.lines.join('\n')).not.toContain(ingestion.connectionString);

    if (process.env.LOG_LEVEL === 'debug') {
      for (const e of all)
        console.log(
          JSON.stringify({
            type: e.data?.baseType,
            name: e.data?.baseData.name,
            tags: e.tags,
            props: e.data?.baseData.properties,
            metrics: e.data?.baseData.metrics,
          }),
        );
    }
  });
});

/**
 * The Application Insights SDK costs about a second to require: a cold start without a connection
 * string must never load it. Checked on the process's module cache, which both Node's require and
 * vitest's externalised dependencies fill.
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

const moduleCache = createRequire(__filename).cache;
const sdkModulesLoaded = () =>
  Object.keys(moduleCache).filter((path) =>
    /[\\/]node_modules[\\/](applicationinsights|@azure[\\/]monitor-opentelemetry)[\\/]/.test(path),
  );

describe('telemetry is loaded lazily', () => {
  it('importing the composition root and the telemetry module does not load the SDK', async () => {
    expect(sdkModulesLoaded(), 'loaded before the test began').toEqual([]);
    await import('../../shared/composition.js');
    const telemetry = await import('../../shared/telemetry.js');
    expect(typeof telemetry.startTelemetry).toBe('function');
    expect(sdkModulesLoaded()).toEqual([]);
  });

  it('startTelemetry without a connection string returns false and loads nothing', async () => {
    const { startTelemetry, telemetryStarted, flushTelemetry, stopTelemetry } =
      await import('../../shared/telemetry.js');
    expect(await startTelemetry({ appInsightsConnectionString: undefined })).toBe(false);
    expect(await startTelemetry({})).toBe(false);
    await flushTelemetry();
    await stopTelemetry();
    expect(telemetryStarted()).toBe(false);
    expect(sdkModulesLoaded()).toEqual([]);
  });

  it('a malformed connection string fails fast, naming the setting but not echoing it, before loading anything', async () => {
    const { startTelemetry } = await import('../../shared/telemetry.js');
    const secret = 'IngestionEndpoint=http://example.invalid/;Secret=s3cr3t-value';
    const error = await startTelemetry({ appInsightsConnectionString: secret }).catch((e: unknown) => e as Error);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toContain('APPLICATIONINSIGHTS_CONNECTION_STRING: has no InstrumentationKey');
    expect((error as Error).message).toContain('IngestionEndpoint must be an https URL');
    expect((error as Error).message).not.toContain('s3cr3t-value');
    expect(sdkModulesLoaded()).toEqual([]);
  });

  it('bad telemetry settings fail fast, naming the setting', async () => {
    const { readTelemetrySettings } = await import('../../shared/telemetry.js');
    expect(() => readTelemetrySettings({ TELEMETRY_EXPORT_INTERVAL_MS: 'soon' })).toThrow(
      /TELEMETRY_EXPORT_INTERVAL_MS/,
    );
    expect(() => readTelemetrySettings({ TELEMETRY_LIVE_METRICS: 'maybe' })).toThrow(/TELEMETRY_LIVE_METRICS/);
    expect(readTelemetrySettings({})).toMatchObject({
      exportIntervalMs: 60_000,
      liveMetrics: false,
      offlineStorage: false,
    });
    expect(readTelemetrySettings({ WEBSITE_SITE_NAME: 'app' })).toMatchObject({
      liveMetrics: true,
      offlineStorage: true,
    });
    expect(
      readTelemetrySettings({ TELEMETRY_EXPORT_INTERVAL_MS: '1000', OTEL_METRIC_EXPORT_INTERVAL: '5000' })
        .exportIntervalMs,
    ).toBe(1000);
  });

  it('reads Entra ingestion from APPLICATIONINSIGHTS_AUTHENTICATION_STRING, and rejects anything else', async () => {
    const { readTelemetrySettings } = await import('../../shared/telemetry.js');
    const name = 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING';
    expect(readTelemetrySettings({}).entra).toBeUndefined();
    expect(
      readTelemetrySettings({ [name]: 'Authorization=AAD;ClientId=aaaaaaaa-0000-0000-0000-00000000c11d' }).entra,
    ).toEqual({ clientId: 'aaaaaaaa-0000-0000-0000-00000000c11d' });
    expect(
      readTelemetrySettings({ [name]: 'clientid=aaaaaaaa-0000-0000-0000-00000000c11d; authorization=AAD' }).entra,
    ).toEqual({ clientId: 'aaaaaaaa-0000-0000-0000-00000000c11d' });
    expect(readTelemetrySettings({ [name]: 'Authorization=AAD' }).entra).toEqual({});
    expect(() =>
      readTelemetrySettings({ [name]: 'Authorization=Basic;ClientId=aaaaaaaa-0000-0000-0000-00000000c11d' }),
    ).toThrow(/Authorization must be AAD/);
    expect(() => readTelemetrySettings({ [name]: 'Authorization=AAD;ClientId=me' })).toThrow(/ClientId must be a GUID/);
    expect(() => readTelemetrySettings({ [name]: 'AAD' })).toThrow(/expected Authorization=AAD;ClientId=<client id>/);
    expect(sdkModulesLoaded()).toEqual([]);
  });

  // Last: proves the probe above can fail (it sees the SDK once something loads it).
  it('the probe sees the SDK once it is loaded', async () => {
    await import('applicationinsights');
    expect(sdkModulesLoaded().length).toBeGreaterThan(0);
  });
});

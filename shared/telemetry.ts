/**
 * Application Insights, loaded only when a connection string is configured: requiring the SDK costs
 * about a second, which a cold start without telemetry must not pay.
 */
import type { Config } from './config';

let started = false;

export async function startTelemetry(config: Pick<Config, 'appInsightsConnectionString'>): Promise<boolean> {
  if (!config.appInsightsConnectionString || started) return started;
  process.env.OTEL_NODE_RESOURCE_DETECTORS ??= 'env,host,os,process';
  const { useAzureMonitor } = await import('applicationinsights');
  useAzureMonitor({ azureMonitorExporterOptions: { connectionString: config.appInsightsConnectionString } });
  started = true;
  return true;
}

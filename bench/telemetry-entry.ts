/**
 * Bundled by the bench the way scripts/package.ts bundles the app, to time what the first invocation of
 * a cold instance with a connection string adds: loading and starting Application Insights.
 */
export { startTelemetry } from '../shared/telemetry';

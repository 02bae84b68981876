/**
 * Application Insights with local auth off (as the stack declares it): the exporter must authenticate every
 * export with the app's user-assigned managed identity, named by APPLICATIONINSIGHTS_AUTHENTICATION_STRING.
 * The managed identity endpoint is a local fake of App Service's (IDENTITY_ENDPOINT + IDENTITY_HEADER, the
 * protocol the platform gives a Functions app); ingestion is the local HTTPS endpoint the other telemetry
 * test uses. The SDK is process-global: this file owns its worker.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { trace } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flushTelemetry, startTelemetry, stopTelemetry } from '../../shared/telemetry';
import { startIngestionServer, type IngestionServer } from '../support/ingestion';

const CLIENT_ID = 'aaaaaaaa-0000-0000-0000-00000000c11d';
const IDENTITY_HEADER = 'fake-identity-header-6f1';
const TOKEN = 'fake-monitor-token-2b7c';

let ingestion: IngestionServer;
let identity: Server;
const tokenRequests: Array<{ url: URL; header: string | undefined }> = [];

beforeAll(async () => {
  ingestion = await startIngestionServer();
  identity = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    tokenRequests.push({ url, header: req.headers['x-identity-header'] as string | undefined });
    res.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        access_token: TOKEN,
        expires_on: String(Math.floor(Date.now() / 1000) + 3600),
        resource: url.searchParams.get('resource'),
        token_type: 'Bearer',
        client_id: CLIENT_ID,
      }),
    );
  });
  await new Promise<void>((resolve) => identity.listen(0, '127.0.0.1', resolve));
  Object.assign(process.env, {
    IDENTITY_ENDPOINT: `http://127.0.0.1:${(identity.address() as AddressInfo).port}/msi/token`,
    IDENTITY_HEADER,
    APPLICATIONINSIGHTS_AUTHENTICATION_STRING: `Authorization=AAD;ClientId=${CLIENT_ID}`,
    TELEMETRY_CA_FILE: ingestion.caFile,
  });
});

afterAll(async () => {
  await stopTelemetry();
  await ingestion?.close();
  identity?.close();
  for (const name of [
    'IDENTITY_ENDPOINT',
    'IDENTITY_HEADER',
    'APPLICATIONINSIGHTS_AUTHENTICATION_STRING',
    'TELEMETRY_CA_FILE',
  ]) {
    delete process.env[name];
  }
});

describe('Application Insights with Entra authentication', () => {
  it('exports with a bearer token of the identity that APPLICATIONINSIGHTS_AUTHENTICATION_STRING names', async () => {
    expect(await startTelemetry({ appInsightsConnectionString: ingestion.connectionString })).toBe(true);
    trace.getTracer('test').startSpan('entra-probe').end();
    await flushTelemetry();
    await ingestion.waitFor((all) => all.some((e) => e.data?.baseData.name === 'entra-probe'));

    const exports = ingestion.requests.filter((r) => r.path.endsWith('/track') && r.items > 0);
    expect(exports.length).toBeGreaterThan(0);
    for (const request of exports) expect(request.authorization).toBe(`Bearer ${TOKEN}`);

    expect(tokenRequests.length).toBeGreaterThan(0);
    const asked = tokenRequests[0]!;
    expect(asked.header).toBe(IDENTITY_HEADER);
    expect(asked.url.searchParams.get('client_id')).toBe(CLIENT_ID);
    expect(asked.url.searchParams.get('resource')).toBe('https://monitor.azure.com');
  });
});

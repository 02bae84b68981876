/**
 * The code deployment's logic against a LOCAL fake of the SCM (Kudu) site and the ARM function list:
 * a node:http server on 127.0.0.1, driven through the real global fetch.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type OneDeployOptions,
  deployPackage,
  diffCode,
  interpretDeploymentStatus,
  isRetryable,
  retryDelays,
  sha256,
} from '../../stack/onedeploy';
import { ensureKeyVaultReferences, referenceStatuses } from '../../stack/key-vault-references';

interface FakeScript {
  /** HTTP statuses answered to successive publish POSTs (the last one repeats). */
  publish: number[];
  /** Status documents answered to successive GET /api/deployments/latest after the publish. */
  statuses: Array<Record<string, unknown>>;
  /** Function names listed on successive GET …/functions (the last one repeats). */
  listings: string[][];
  log?: Array<{ message: string }>;
  /** Key Vault reference lists: entry n is answered after n refresh POSTs (the last repeats). */
  references?: Array<Array<{ name: string; status: string; details?: string }>>;
}

interface Fake {
  baseUrl: string;
  posts: number;
  uploaded: Buffer[];
  authorizations: string[];
  /** POSTs to …/config/configreferences/appsettings/refresh. */
  refreshes: number;
  close(): Promise<void>;
}

const APP_ID = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Web/sites/api';
const servers: Fake[] = [];

async function fakeScm(script: FakeScript): Promise<Fake> {
  let statusIndex = 0;
  let listingIndex = 0;
  const fake: Fake = { baseUrl: '', posts: 0, uploaded: [], authorizations: [], refreshes: 0, close: async () => {} };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      fake.authorizations.push(String(req.headers.authorization));
      const json = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      const url = req.url ?? '';
      if (req.method === 'POST' && url === '/api/publish?RemoteBuild=false') {
        const status = script.publish[Math.min(fake.posts, script.publish.length - 1)] ?? 202;
        fake.posts += 1;
        if (status === 202 || status === 200) fake.uploaded.push(Buffer.concat(chunks));
        return json(status, status >= 400 ? { message: `fake ${status}` } : {});
      }
      if (req.method === 'GET' && url === '/api/deployments/latest') {
        // Before our publish the site reports the previous (successful) deployment.
        if (fake.uploaded.length === 0) return json(200, { id: 'previous', status: 4, complete: true });
        const doc = script.statuses[Math.min(statusIndex, script.statuses.length - 1)] ?? {};
        statusIndex += 1;
        return json(200, doc);
      }
      if (req.method === 'GET' && url === '/api/deployments/ours/log') return json(200, script.log ?? []);
      if (req.method === 'GET' && url.startsWith(`${APP_ID}/functions?api-version=`)) {
        const names = script.listings[Math.min(listingIndex, script.listings.length - 1)] ?? [];
        listingIndex += 1;
        return json(200, { value: names.map((n) => ({ name: `api/${n}`, properties: { name: n } })) });
      }
      if (req.method === 'GET' && url === `${APP_ID}/config/configreferences/appsettings?api-version=2024-04-01`) {
        const references = script.references ?? [[]];
        // App Service resolves again only when asked to (or on a config change, which the check does not make).
        const list = references[Math.min(fake.refreshes, references.length - 1)] ?? [];
        // The shape ARM answers: one item per reference, the app setting's name, status and details.
        return json(200, {
          value: list.map((r) => ({
            id: `${APP_ID}/config/configreferences/appsettings/${r.name}`,
            name: r.name,
            type: 'Microsoft.Web/sites/config/configreferences',
            properties: {
              reference: `@Microsoft.KeyVault(SecretUri=https://kv-movie-catalog.vault.azure.net/secrets/${r.name.toLowerCase()}/)`,
              vaultName: 'kv-movie-catalog',
              secretName: r.name.toLowerCase(),
              identityType: 'UserAssigned',
              status: r.status,
              ...(r.details ? { details: r.details } : {}),
              source: 'KeyVault',
            },
          })),
        });
      }
      if (
        req.method === 'POST' &&
        url === `${APP_ID}/config/configreferences/appsettings/refresh?api-version=2022-03-01`
      ) {
        fake.refreshes += 1;
        return json(200, {});
      }
      return json(404, { message: `no route ${req.method} ${url}` });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  servers.push(fake);
  return fake;
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

function options(overrides: Partial<OneDeployOptions> = {}): OneDeployOptions {
  return {
    fetch: globalThis.fetch,
    getToken: async () => 'test-token',
    retry: { attempts: 4, initialDelayMs: 1, factor: 2, maxDelayMs: 5 },
    statusPoll: { intervalMs: 1, timeoutMs: 2_000 },
    functionsPoll: { intervalMs: 1, timeoutMs: 2_000 },
    ...overrides,
  };
}

const ZIP = Buffer.from('PK fake zip bytes');
const deploy = (fake: Fake, opts = options()) =>
  deployPackage(
    { scmBaseUrl: fake.baseUrl, armBaseUrl: fake.baseUrl, appResourceId: APP_ID },
    ZIP,
    ['projector'],
    opts,
  );

describe('deployment status interpretation', () => {
  it('reads Kudu numeric and textual statuses from the body', () => {
    expect(interpretDeploymentStatus({ status: 4, complete: true })).toEqual({ kind: 'succeeded' });
    expect(interpretDeploymentStatus({ status: 'RuntimeSuccessful' })).toEqual({ kind: 'succeeded' });
    expect(interpretDeploymentStatus({ status: 'Success', complete: true })).toEqual({ kind: 'succeeded' });
    expect(interpretDeploymentStatus({ status: 'RuntimeFailed', status_text: 'host failed' })).toEqual({
      kind: 'failed',
      message: 'host failed',
    });
    expect(interpretDeploymentStatus({ status: 1, status_text: 'Building' })).toEqual({
      kind: 'inProgress',
      detail: 'Building',
    });
    expect(interpretDeploymentStatus({ status: 3, status_text: 'npm ERR!' })).toEqual({
      kind: 'failed',
      message: 'npm ERR!',
    });
    expect(interpretDeploymentStatus({ status: 'BuildFailed', message: 'boom' })).toEqual({
      kind: 'failed',
      message: 'boom',
    });
    expect(interpretDeploymentStatus({ status: 6, complete: true, status_text: 'partial' }).kind).toBe('failed');
    expect(interpretDeploymentStatus(undefined).kind).toBe('inProgress');
  });

  it('retries only what settles by itself, on a bounded exponential schedule', () => {
    for (const status of [403, 409, 429, 500, 503]) expect(isRetryable(status, ''), String(status)).toBe(true);
    expect(isRetryable(400, 'BlobUploadFailedException: 403 from storage')).toBe(true);
    for (const status of [400, 401, 404, 413]) expect(isRetryable(status, 'bad'), String(status)).toBe(false);
    expect(retryDelays({ attempts: 6, initialDelayMs: 5, factor: 2, maxDelayMs: 30 })).toEqual([5, 10, 20, 30, 30]);
    expect(retryDelays({ attempts: 1, initialDelayMs: 5, factor: 2, maxDelayMs: 30 })).toEqual([]);
  });

  it('redeploys only when the package hash changes (or the app is another one)', () => {
    const old = { appResourceId: APP_ID, packageSha256: sha256(ZIP) };
    expect(diffCode(old, { ...old })).toEqual({ changes: false, replaces: [] });
    expect(diffCode(old, { ...old, packageSha256: sha256(Buffer.from('other')) })).toEqual({
      changes: true,
      replaces: [],
    });
    expect(diffCode(old, { ...old, appResourceId: `${APP_ID}2` })).toEqual({
      changes: true,
      replaces: ['appResourceId'],
    });
  });
});

describe('One Deploy against a local fake SCM site', () => {
  it('publishes the zip with a bearer token, polls in-progress to success, then waits for the projector', async () => {
    const fake = await fakeScm({
      publish: [202],
      statuses: [
        { id: 'ours', status: 0 },
        { id: 'ours', status: 1, status_text: 'Building' },
        { id: 'ours', status: 4, complete: true },
      ],
      listings: [[], ['getMovie'], ['getMovie', 'projector']],
    });
    await expect(deploy(fake)).resolves.toEqual({ deploymentId: 'ours' });
    expect(fake.uploaded).toEqual([ZIP]);
    expect(new Set(fake.authorizations)).toEqual(new Set(['Bearer test-token']));
  });

  it('does not take the previous deployment for ours', async () => {
    const fake = await fakeScm({
      publish: [202],
      statuses: [
        { id: 'previous', status: 4, complete: true },
        { id: 'ours', status: 3, status_text: 'late failure' },
      ],
      listings: [['projector']],
    });
    await expect(deploy(fake)).rejects.toThrow(/late failure/);
  });

  it('surfaces the failure message and the deployment log', async () => {
    const failed: Record<string, unknown> = { id: 'ours', status: 3, complete: true, status_text: 'Deployment failed' };
    const fake = await fakeScm({
      publish: [202],
      statuses: [{ id: 'ours', status: 2 }, failed],
      listings: [['projector']],
      log: [{ message: 'Extracting package' }, { message: 'Error: host failed to index functions' }],
    });
    failed.log_url = `${fake.baseUrl}/api/deployments/ours/log`; // absolute on Azure too
    await expect(deploy(fake)).rejects.toThrow(/Deployment failed[\s\S]*host failed to index functions/);
  });

  it('retries 403 and 409 while permissions propagate, then succeeds', async () => {
    const fake = await fakeScm({
      publish: [403, 409, 202],
      statuses: [{ id: 'ours', status: 4, complete: true }],
      listings: [['projector']],
    });
    await expect(deploy(fake)).resolves.toEqual({ deploymentId: 'ours' });
    expect(fake.posts).toBe(3);
  });

  it('gives up after the retry bound', async () => {
    const fake = await fakeScm({ publish: [403], statuses: [], listings: [] });
    await expect(deploy(fake)).rejects.toThrow(/answered 403 after 4 attempts/);
    expect(fake.posts).toBe(4);
  });

  it('does not retry a request that cannot succeed', async () => {
    const fake = await fakeScm({ publish: [401], statuses: [], listings: [] });
    await expect(deploy(fake)).rejects.toThrow(/answered 401 after 1 attempt/);
    expect(fake.posts).toBe(1);
  });

  it('fails when the projector never shows up in the function list', async () => {
    const fake = await fakeScm({
      publish: [202],
      statuses: [{ id: 'ours', status: 4, complete: true }],
      listings: [['getMovie']],
    });
    await expect(deploy(fake, options({ functionsPoll: { intervalMs: 1, timeoutMs: 50 } }))).rejects.toThrow(
      /projector not listed .*listed: \[getMovie\]/,
    );
  });
});

describe('Key Vault references after the deploy, against the fake ARM', () => {
  const DENIED = 'Access to Key Vault was denied: the identity has no role assignment that grants secrets/get (403).';
  const check = (fake: Fake) =>
    ensureKeyVaultReferences({ armBaseUrl: fake.baseUrl, appResourceId: APP_ID }, options(), {
      rounds: 3,
      intervalMs: 1,
    });

  it('reads the setting from the id (items may have no name) and a missing status as unresolved', () => {
    expect(
      referenceStatuses({
        value: [
          {
            id: `${APP_ID}/config/configreferences/appsettings/ELASTICSEARCH_API_KEY`,
            properties: { status: 'Resolved', vaultName: 'kv' },
          },
          {
            id: `${APP_ID}/config/configreferences/appsettings/REDIS_PASSWORD`,
            name: 'func-movie-catalog-dev/REDIS_PASSWORD',
            properties: {},
          },
        ],
      }),
    ).toEqual([
      { setting: 'ELASTICSEARCH_API_KEY', status: 'Resolved' },
      { setting: 'REDIS_PASSWORD', status: 'unknown' },
    ]);
  });

  it('passes without a refresh when every reference is resolved', async () => {
    const fake = await fakeScm({
      publish: [202],
      statuses: [],
      listings: [],
      references: [
        [
          { name: 'ELASTICSEARCH_API_KEY', status: 'Resolved' },
          { name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', status: 'Resolved' },
        ],
      ],
    });
    await expect(check(fake)).resolves.toHaveLength(2);
    expect(fake.refreshes).toBe(0);
  });

  it('refreshes an unresolved reference and passes once App Service resolves it', async () => {
    const fake = await fakeScm({
      publish: [202],
      statuses: [],
      listings: [],
      references: [
        [
          { name: 'ELASTICSEARCH_API_KEY', status: 'AccessToKeyVaultDenied', details: DENIED },
          { name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', status: 'Resolved' },
        ],
        [
          { name: 'ELASTICSEARCH_API_KEY', status: 'Resolved' },
          { name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', status: 'Resolved' },
        ],
      ],
    });
    await expect(check(fake)).resolves.toEqual([
      { setting: 'ELASTICSEARCH_API_KEY', status: 'Resolved' },
      { setting: 'APPLICATIONINSIGHTS_CONNECTION_STRING', status: 'Resolved' },
    ]);
    expect(fake.refreshes).toBe(1);
    expect(new Set(fake.authorizations)).toEqual(new Set(['Bearer test-token']));
  });

  it('fails after the bounded refreshes, naming each unresolved setting with its status and details', async () => {
    const fake = await fakeScm({
      publish: [202],
      statuses: [],
      listings: [],
      references: [
        [
          { name: 'ELASTICSEARCH_API_KEY', status: 'AccessToKeyVaultDenied', details: DENIED },
          { name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', status: 'Resolved' },
          { name: 'REDIS_PASSWORD', status: 'SecretNotFound' },
        ],
      ],
    });
    await expect(check(fake)).rejects.toThrow(
      'Key Vault reference(s) still unresolved after 3 refreshes 1 ms apart: ' +
        `ELASTICSEARCH_API_KEY (AccessToKeyVaultDenied: ${DENIED}); REDIS_PASSWORD (SecretNotFound).`,
    );
    expect(fake.refreshes).toBe(3);
  });
});

/**
 * The code deployment provider the way Pulumi runs it: serialized with `pulumi.runtime.serializeFunction`
 * (what @pulumi/pulumi's dynamic/index.js does), loaded in a separate node process like the dynamic provider
 * host, configured with the stack config, then `create` against local fakes over HTTPS: the SCM site and ARM,
 * Entra ID's token endpoint and GitHub's OIDC token endpoint. The only credentials are the azure-native
 * provider's OIDC settings in the stack config.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as pulumi from '@pulumi/pulumi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { functionCodeProvider } from '../../stack/deploy';
import {
  type EntraFake,
  type Fake,
  fakeEntra,
  fakeGithubOidc,
  githubIdToken,
  runInProviderHost,
  startFake,
} from '../support/fake-azure';
import { selfSignedTls, type Tls } from '../support/tls';

const TENANT = '7f3c1a52-8d4e-4b6a-9c1f-2e5d8a7b6c40';
const CLIENT = '0b9e6f2d-3c4a-4e8b-a1d7-5f6e9c2b8a31';
const APP_ID =
  '/subscriptions/33333333-3333-3333-3333-333333333333/resourceGroups/movie-catalog-dev/providers/Microsoft.Web/sites/func-movie-catalog-dev';
const REQUEST_TOKEN = 'github-request-token-4d2a';
const ID_TOKEN = githubIdToken('api://AzureADTokenExchange');
const ZIP = Buffer.from('PK fake package bytes for the provider test');

let tls: Tls;
let entra: EntraFake;
let github: Fake;
let site: Fake & { published: Buffer[] };
let dir: string;
let serialized: string;

beforeAll(async () => {
  tls = await selfSignedTls();
  entra = await fakeEntra(tls, TENANT);
  github = await fakeGithubOidc(tls, REQUEST_TOKEN, ID_TOKEN);
  const published: Buffer[] = [];
  // SCM and ARM on one server: the SCM site answers TEXT deployment statuses, as some Kudu versions do.
  const fake = await startFake(tls, (req) => {
    if (req.method === 'POST' && req.url === '/api/publish?RemoteBuild=false') {
      published.push(req.body);
      return { status: 202, body: {} };
    }
    if (req.method === 'GET' && req.url === '/api/deployments/latest') {
      return published.length === 0
        ? { status: 200, body: { id: 'previous', status: 'Success', complete: true } }
        : { status: 200, body: { id: `deploy-${published.length}`, status: 'Success', complete: true } };
    }
    if (req.method === 'GET' && req.url === `${APP_ID}/functions?api-version=2024-04-01`) {
      return {
        status: 200,
        body: { value: [{ name: 'func-movie-catalog-dev/projector', properties: { name: 'projector' } }] },
      };
    }
    if (req.method === 'GET' && req.url === `${APP_ID}/config/configreferences/appsettings?api-version=2024-04-01`) {
      return { status: 200, body: { value: [{ name: 'ELASTICSEARCH_API_KEY', properties: { status: 'Resolved' } }] } };
    }
    return undefined;
  });
  site = Object.assign(fake, { published });
  dir = await mkdtemp(path.join(tmpdir(), 'deploy-provider-'));
  await writeFile(path.join(dir, 'functionapp.zip'), ZIP);
  serialized = (await pulumi.runtime.serializeFunction(() => functionCodeProvider, { allowSecrets: true })).text;
}, 60_000);

afterAll(async () => {
  await Promise.all([entra?.close(), github?.close(), site?.close()]);
  await tls?.dispose();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const inputs = () => ({
  appResourceId: APP_ID,
  scmBaseUrl: site.baseUrl,
  armEndpoint: site.baseUrl,
  packagePath: path.join(dir, 'functionapp.zip'),
  packageSha256: createHash('sha256').update(ZIP).digest('hex'),
  requiredFunctions: ['projector'],
});

/** The azure-native provider's OIDC settings, as `pulumi config set azure-native:…` stores them. */
const oidcConfig = () => ({
  'azure-native:useOidc': 'true',
  'azure-native:clientId': CLIENT,
  'azure-native:tenantId': TENANT,
  'azure-native:oidcRequestUrl': `${github.baseUrl}/token?api-version=2.0`,
  'azure-native:oidcRequestToken': REQUEST_TOKEN,
  'azure-native:activeDirectoryAuthorityHost': entra.baseUrl,
  'azure-native:disableInstanceDiscovery': 'true',
});

describe('the serialized code deployment provider', () => {
  it('deploys with the azure-native OIDC identity and reads text statuses in the provider host', async () => {
    const outcome = await runInProviderHost(
      serialized,
      { config: oidcConfig(), call: { method: 'create', inputs: inputs() } },
      tls.certPath,
    );
    expect(outcome.ok ? 'ok' : outcome.error, outcome.stdout).toBe('ok');
    expect(outcome.ok && outcome.result).toEqual({
      id: `${APP_ID}/code`,
      outs: { ...inputs(), deploymentId: 'deploy-1' },
    });
    expect(site.published).toEqual([ZIP]);
    // After the deploy, the Key Vault references were checked.
    expect(
      site.received.filter((r) => r.url.includes('/config/configreferences/appsettings')).map((r) => r.method),
    ).toEqual(['GET']);

    // GitHub was asked for a token for Entra's federation audience, with the request token (MSAL may ask twice).
    expect(github.received.length).toBeGreaterThan(0);
    expect(
      new Set(
        github.received.map((r) => `${r.authorization} ${new URL(r.url, 'https://x').searchParams.get('audience')}`),
      ),
    ).toEqual(new Set([`Bearer ${REQUEST_TOKEN} api://AzureADTokenExchange`]));
    // Entra received GitHub's token as the client assertion of the configured app registration and tenant.
    expect(entra.tokenRequests).toEqual([
      {
        client_id: CLIENT,
        client_assertion: ID_TOKEN,
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        grant_type: 'client_credentials',
        scope: `${site.baseUrl}/.default`,
        ...pickMsalExtras(entra.tokenRequests[0]),
      },
    ]);
    expect(entra.received.every((r) => r.url.startsWith(`/${TENANT}/`))).toBe(true);
    // Every SCM and ARM call carried the token Entra issued, and nothing else.
    expect(entra.issued).toEqual(['entra-token-1']);
    expect(new Set(site.received.map((r) => r.authorization))).toEqual(new Set(['Bearer entra-token-1']));
    // The token is fetched at deploy time and kept out of the resource's outputs.
    expect(JSON.stringify(outcome.ok && outcome.result)).not.toContain('entra-token');
  }, 60_000);

  it('updates with the same identity taken from the ARM_* variables when the stack config has none', async () => {
    const seen = site.received.length;
    const env = {
      ARM_USE_OIDC: 'true',
      ARM_CLIENT_ID: CLIENT,
      ARM_TENANT_ID: TENANT,
      ACTIONS_ID_TOKEN_REQUEST_URL: `${github.baseUrl}/token?api-version=2.0`,
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: REQUEST_TOKEN,
      ARM_ACTIVE_DIRECTORY_AUTHORITY_HOST: entra.baseUrl,
      ARM_DISABLE_INSTANCE_DISCOVERY: 'true',
    };
    const olds = { ...inputs(), deploymentId: 'deploy-1' };
    const outcome = await runInProviderHost(
      serialized,
      { config: {}, call: { method: 'update', id: `${APP_ID}/code`, olds, news: inputs() } },
      tls.certPath,
      env,
    );
    expect(outcome.ok ? 'ok' : outcome.error, outcome.stdout).toBe('ok');
    expect(outcome.ok && outcome.result).toEqual({ outs: { ...inputs(), deploymentId: 'deploy-2' } });
    expect(entra.issued).toEqual(['entra-token-1', 'entra-token-2']);
    expect(entra.tokenRequests[1]).toMatchObject({ client_id: CLIENT, client_assertion: ID_TOKEN });
    expect(new Set(site.received.slice(seen).map((r) => r.authorization))).toEqual(new Set(['Bearer entra-token-2']));
  }, 60_000);
});

/** MSAL adds its own telemetry fields (client_info, x-client-*); keep them out of the comparison. */
function pickMsalExtras(fields: Record<string, string> | undefined): Record<string, string> {
  const known = ['client_id', 'client_assertion', 'client_assertion_type', 'grant_type', 'scope'];
  return Object.fromEntries(Object.entries(fields ?? {}).filter(([key]) => !known.includes(key)));
}

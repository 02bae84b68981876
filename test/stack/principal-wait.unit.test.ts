/**
 * The principal visibility wait: its logic against a local fake of Microsoft Graph (node:http, the real global
 * fetch, a recorded sleep), then the provider the way Pulumi runs it (serialized, in a separate host process,
 * with the azure-native OIDC identity from the stack config) against HTTPS fakes of Graph, Entra and GitHub.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as pulumi from '@pulumi/pulumi';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type PrincipalWaitInputs, principalWaitProvider, waitForPrincipal } from '../../stack/principal-wait';
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

const PRINCIPAL = 'bbbbbbbb-0000-0000-0000-0000000000b1';
const SP_PATH = `/v1.0/servicePrincipals/${PRINCIPAL}?$select=id`;

interface GraphFake {
  baseUrl: string;
  requests: Array<{ url: string; authorization: string | undefined }>;
  close(): Promise<void>;
}

const servers: GraphFake[] = [];

/** Answers GET servicePrincipals/{id} with the scripted statuses in turn (the last repeats). */
async function fakeGraph(statuses: number[]): Promise<GraphFake> {
  const fake: GraphFake = { baseUrl: '', requests: [], close: async () => {} };
  const server = http.createServer((req, res) => {
    fake.requests.push({ url: req.url ?? '', authorization: req.headers.authorization });
    const status =
      req.method === 'GET' && req.url === SP_PATH
        ? (statuses[Math.min(fake.requests.length - 1, statuses.length - 1)] ?? 404)
        : 400;
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify(
        status === 200
          ? { id: PRINCIPAL }
          : { error: { code: status === 404 ? 'Request_ResourceNotFound' : 'Authorization_RequestDenied' } },
      ),
    );
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

function run(graph: GraphFake, overrides: Partial<PrincipalWaitInputs> = {}) {
  const sleeps: number[] = [];
  const logs: string[] = [];
  const inputs: PrincipalWaitInputs = {
    principalId: PRINCIPAL,
    graphEndpoint: graph.baseUrl,
    attempts: 5,
    intervalSeconds: 15,
    settleSeconds: 120,
    ...overrides,
  };
  const outcome = waitForPrincipal(inputs, {
    fetch: globalThis.fetch,
    getToken: async () => 'graph-token',
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    log: (message) => logs.push(message),
  });
  return { outcome, sleeps, logs };
}

describe('principal visibility wait', () => {
  it('checks again after each 404 and passes once Graph returns the service principal', async () => {
    const graph = await fakeGraph([404, 404, 200]);
    const { outcome, sleeps } = run(graph);
    await expect(outcome).resolves.toBe('graph');
    expect(graph.requests).toEqual(Array(3).fill({ url: SP_PATH, authorization: 'Bearer graph-token' }));
    expect(sleeps).toEqual([15_000, 15_000]);
  });

  it('waits the fixed settle time, and says so, when the deployer may not read Graph', async () => {
    const graph = await fakeGraph([403]);
    const { outcome, sleeps, logs } = run(graph);
    await expect(outcome).resolves.toBe('settled');
    expect(graph.requests).toHaveLength(1);
    expect(sleeps).toEqual([120_000]);
    expect(logs).toEqual([
      `cannot read Microsoft Graph (HTTP 403); waiting a fixed 120 s for principal ${PRINCIPAL} to propagate`,
    ]);
  });

  it('fails within the bound with a message that says what to do', async () => {
    const graph = await fakeGraph([404]);
    const { outcome, sleeps } = run(graph, { attempts: 4 });
    await expect(outcome).rejects.toThrow(
      `principal ${PRINCIPAL} is still not visible in Microsoft Graph after 4 checks 15 s apart (last: HTTP 404). ` +
        'A new managed identity usually appears within minutes; run `pulumi up` again, which resumes from here.',
    );
    expect(graph.requests).toHaveLength(4);
    expect(sleeps).toEqual([15_000, 15_000, 15_000]);
  });

  it('does not retry an answer that cannot change', async () => {
    const graph = await fakeGraph([400]);
    await expect(run(graph).outcome).rejects.toThrow(/Microsoft Graph answered 400 for principal/);
    expect(graph.requests).toHaveLength(1);
  });
});

describe('the serialized principal wait provider', () => {
  const TENANT = '7f3c1a52-8d4e-4b6a-9c1f-2e5d8a7b6c40';
  const CLIENT = '0b9e6f2d-3c4a-4e8b-a1d7-5f6e9c2b8a31';
  const REQUEST_TOKEN = 'github-request-token-91fe';
  const ID_TOKEN = githubIdToken('api://AzureADTokenExchange');
  let tls: Tls;
  let entra: EntraFake;
  let github: Fake;
  let graph: Fake;
  let graphChecks = 0;

  beforeAll(async () => {
    tls = await selfSignedTls();
    entra = await fakeEntra(tls, TENANT);
    github = await fakeGithubOidc(tls, REQUEST_TOKEN, ID_TOKEN);
    graph = await startFake(tls, (req) => {
      if (req.method !== 'GET' || req.url !== SP_PATH) return undefined;
      graphChecks += 1;
      return graphChecks < 3
        ? { status: 404, body: { error: { code: 'Request_ResourceNotFound' } } }
        : { status: 200, body: { id: PRINCIPAL } };
    });
  }, 60_000);

  afterAll(async () => {
    await Promise.all([entra?.close(), github?.close(), graph?.close()]);
    await tls?.dispose();
  });

  it('waits for the principal with the azure-native OIDC identity in the provider host', async () => {
    const text = (await pulumi.runtime.serializeFunction(() => principalWaitProvider, { allowSecrets: true })).text;
    const inputs = {
      principalId: PRINCIPAL,
      graphEndpoint: graph.baseUrl,
      attempts: 5,
      intervalSeconds: 0.01,
      settleSeconds: 0,
    };
    const config = {
      'azure-native:useOidc': 'true',
      'azure-native:clientId': CLIENT,
      'azure-native:tenantId': TENANT,
      'azure-native:oidcRequestUrl': `${github.baseUrl}/token`,
      'azure-native:oidcRequestToken': REQUEST_TOKEN,
      'azure-native:activeDirectoryAuthorityHost': entra.baseUrl,
      'azure-native:disableInstanceDiscovery': 'true',
    };
    const outcome = await runInProviderHost(text, { config, call: { method: 'create', inputs } }, tls.certPath);
    expect(outcome.ok ? 'ok' : outcome.error, outcome.stdout).toBe('ok');
    expect(outcome.ok && outcome.result).toEqual({
      id: `principal-${PRINCIPAL}`,
      outs: { ...inputs, visibility: 'graph' },
    });
    expect(graph.received.map((r) => r.authorization)).toEqual(Array(3).fill('Bearer entra-token-1'));
    expect(entra.tokenRequests.map((r) => [r.client_id, r.client_assertion, r.scope])).toEqual([
      [CLIENT, ID_TOKEN, `${graph.baseUrl}/.default`],
    ]);
  }, 60_000);
});

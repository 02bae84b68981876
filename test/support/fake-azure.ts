/**
 * Local stand-ins for what the dynamic providers talk to in Azure, and a stand-in for Pulumi's dynamic provider
 * host:
 * - `startFake`: an HTTPS server on 127.0.0.1 with a self-signed certificate (openssl) and a route function;
 * - `fakeEntra`: Entra ID's OpenID metadata and token endpoint (what @azure/identity calls with
 *   `authorityHost` set and instance discovery off); it issues `entra-token-<n>` and records each token request;
 * - `fakeGithubOidc`: GitHub Actions' OIDC token request endpoint;
 * - `runInProviderHost`: loads a provider serialized by `pulumi.runtime.serializeFunction` in a NEW node process
 *   (as `@pulumi/pulumi/cmd/dynamic-provider` does: require-from-string, `.handler()`, `configure` with the stack
 *   config), calls one method and returns its result. The process trusts the fakes' certificate through
 *   NODE_EXTRA_CA_CERTS and gets no Azure variables from the test's environment.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Tls } from './tls';

const ROOT = path.resolve(__dirname, '..', '..');

export interface Received {
  readonly method: string;
  readonly url: string;
  readonly authorization: string | undefined;
  readonly body: Buffer;
}

export interface Reply {
  readonly status: number;
  readonly body?: unknown;
}

export interface Fake {
  readonly baseUrl: string;
  readonly received: Received[];
  close(): Promise<void>;
}

/** An HTTPS server answering JSON from `route` (404 when it returns undefined), recording every request. */
export async function startFake(tls: Tls, route: (req: Received) => Reply | undefined): Promise<Fake> {
  const received: Received[] = [];
  const server = https.createServer({ cert: tls.cert, key: tls.key }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const request: Received = {
        method: req.method ?? '',
        url: req.url ?? '',
        authorization: req.headers.authorization,
        body: Buffer.concat(chunks),
      };
      received.push(request);
      const reply = route(request) ?? { status: 404, body: { message: `no route ${request.method} ${request.url}` } };
      res.writeHead(reply.status, { 'content-type': 'application/json' });
      res.end(reply.body === undefined ? '' : JSON.stringify(reply.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    baseUrl: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface EntraFake extends Fake {
  /** Form fields of each token request, in order. */
  readonly tokenRequests: Array<Record<string, string>>;
  /** Access tokens issued, in order. */
  readonly issued: string[];
}

export async function fakeEntra(tls: Tls, tenantId: string): Promise<EntraFake> {
  const tokenRequests: Array<Record<string, string>> = [];
  const issued: string[] = [];
  let base = '';
  const fake = await startFake(tls, (req) => {
    const pathname = new URL(req.url, 'https://x').pathname;
    if (req.method === 'GET' && pathname === `/${tenantId}/v2.0/.well-known/openid-configuration`) {
      return {
        status: 200,
        body: {
          issuer: `${base}/${tenantId}/v2.0`,
          token_endpoint: `${base}/${tenantId}/oauth2/v2.0/token`,
          authorization_endpoint: `${base}/${tenantId}/oauth2/v2.0/authorize`,
          end_session_endpoint: `${base}/${tenantId}/oauth2/v2.0/logout`,
          jwks_uri: `${base}/${tenantId}/discovery/v2.0/keys`,
        },
      };
    }
    if (req.method === 'POST' && pathname === `/${tenantId}/oauth2/v2.0/token`) {
      tokenRequests.push(Object.fromEntries(new URLSearchParams(req.body.toString('utf8'))));
      const token = `entra-token-${issued.length + 1}`;
      issued.push(token);
      return {
        status: 200,
        body: { token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: token },
      };
    }
    return undefined;
  });
  base = fake.baseUrl;
  return { ...fake, tokenRequests, issued };
}

/** GitHub's `ACTIONS_ID_TOKEN_REQUEST_URL`: answers `{ value: <JWT> }` to the right request token. */
export async function fakeGithubOidc(tls: Tls, requestToken: string, idToken: string): Promise<Fake> {
  return startFake(tls, (req) => {
    if (req.method !== 'GET' || new URL(req.url, 'https://x').pathname !== '/token') return undefined;
    if (req.authorization !== `Bearer ${requestToken}`) return { status: 401, body: { message: 'bad request token' } };
    return { status: 200, body: { count: 1, value: idToken } };
  });
}

/** An unsigned JWT with GitHub's claims shape: what GitHub would hand out as the OIDC token. */
export function githubIdToken(audience: string): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  return [
    part({ typ: 'JWT', alg: 'RS256' }),
    part({
      iss: 'https://token.actions.githubusercontent.com',
      aud: audience,
      sub: 'repo:org/movie-catalog:environment:dev',
      iat: now,
      exp: now + 300,
    }),
    Buffer.from('unsigned').toString('base64url'),
  ].join('.');
}

export interface HostCall {
  /** Full stack config keys (`azure-native:clientId`) to raw string values, as the engine passes them. */
  readonly config: Record<string, string>;
  readonly call:
    | { readonly method: 'create'; readonly inputs: unknown }
    | { readonly method: 'update'; readonly id: string; readonly olds: unknown; readonly news: unknown };
}

export type HostResult = { ok: true; result: unknown; stdout: string } | { ok: false; error: string; stdout: string };

const HOST = `
const fs = require('node:fs');
const requireFromString = require('require-from-string');
const { Config } = require('@pulumi/pulumi/cmd/dynamic-provider/config');
const [textPath, callPath, resultPath] = process.argv.slice(1);
(async () => {
  const { config, call } = JSON.parse(fs.readFileSync(callPath, 'utf8'));
  const provider = requireFromString(fs.readFileSync(textPath, 'utf8')).handler();
  if (provider.configure) await provider.configure({ config: new Config(config, 'movie-catalog') });
  const result = call.method === 'create'
    ? await provider.create(call.inputs)
    : await provider.update(call.id, call.olds, call.news);
  fs.writeFileSync(resultPath, JSON.stringify({ ok: true, result }));
})().catch((error) => {
  fs.writeFileSync(resultPath, JSON.stringify({ ok: false, error: String(error && error.stack || error) }));
});
`;

/** Runs one provider method in a fresh node process, the way Pulumi's dynamic provider host does. */
export async function runInProviderHost(
  serializedText: string,
  call: HostCall,
  caPath: string,
  extraEnv: Record<string, string> = {},
): Promise<HostResult> {
  const dir = await mkdtemp(path.join(tmpdir(), 'provider-host-'));
  try {
    const textPath = path.join(dir, 'provider.js');
    const callPath = path.join(dir, 'call.json');
    const resultPath = path.join(dir, 'result.json');
    await writeFile(textPath, serializedText);
    await writeFile(callPath, JSON.stringify(call));
    // Only what a process needs to run, plus `extraEnv`: no Azure variable leaks in from the test's environment.
    const env = { PATH: process.env.PATH ?? '', HOME: dir, NODE_EXTRA_CA_CERTS: caPath, ...extraEnv };
    const stdout = await new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, ['-e', HOST, textPath, callPath, resultPath], { cwd: ROOT, env });
      let output = '';
      child.stdout.on('data', (c: Buffer) => {
        output += c.toString('utf8');
      });
      child.stderr.on('data', (c: Buffer) => {
        output += c.toString('utf8');
      });
      child.once('error', reject);
      child.once('exit', () => resolve(output));
    });
    const result = JSON.parse(
      await readFile(resultPath, 'utf8').catch(() => JSON.stringify({ ok: false, error: 'no result' })),
    ) as { ok: true; result: unknown } | { ok: false; error: string };
    return { ...result, stdout };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

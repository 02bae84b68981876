/**
 * An Azurite Blob server of the test's own, on a free port and a temp folder, speaking HTTPS with a
 * self-signed certificate made at start (openssl) and `--oauth basic`, so clients can authenticate the
 * way the functions do in Azure: a bearer token from a TokenCredential (the managed identity). Basic OAuth
 * checks a token's shape, lifetime, issuer and audience but not its signature; devTokenCredential() makes
 * one it accepts. Null reason when Azurite and openssl can be run.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { AccessToken, TokenCredential } from '@azure/core-auth';
import { freePort } from './redis';
import { selfSignedTls } from './tls';

const MAIN = path.resolve(__dirname, '..', '..', 'node_modules', 'azurite', 'dist', 'src', 'blob', 'main.js');

/** Azurite's well-known development account: its name is the first path segment of every URL. */
export const AZURITE_ACCOUNT = 'devstoreaccount1';

export function azuriteUnavailableReason(): string | null {
  if (!existsSync(MAIN)) return 'the azurite devDependency is not installed (npm ci)';
  const probe = spawnSync('openssl', ['version'], { encoding: 'utf8' });
  return probe.status === 0 ? null : "the openssl CLI is not installed (needed for Azurite's HTTPS certificate)";
}

export interface TestAzurite {
  /** https://127.0.0.1:<port>/devstoreaccount1 */
  readonly blobEndpoint: string;
  /** The self-signed certificate (PEM) the server presents. */
  readonly certificate: string;
  stop(): Promise<void>;
}

export async function startAzurite(timeoutMs = 30_000): Promise<TestAzurite> {
  const tls = await selfSignedTls();
  const dir = tls.dir;
  const cert = tls.certPath;
  const key = path.join(dir, 'key.pem');
  const port = await freePort();
  const args = [
    MAIN,
    '--blobHost',
    '127.0.0.1',
    '--blobPort',
    String(port),
    '--location',
    path.join(dir, 'data'),
    '--silent',
    '--skipApiVersionCheck',
    '--loose',
    '--oauth',
    'basic',
    '--cert',
    cert,
    '--key',
    key,
  ];
  const child: ChildProcess = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      // SIGKILL: Azurite's graceful SIGTERM shutdown takes seconds and its data folder is thrown away anyway.
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      });
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await new Promise<void>((resolve, reject) => {
      let output = '';
      const timer = setTimeout(
        () => reject(new Error(`Azurite did not listen within ${timeoutMs} ms: ${output}`)),
        timeoutMs,
      );
      const onData = (chunk: Buffer) => {
        output += chunk.toString('utf8');
        if (output.includes('successfully listens on https://')) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', onData);
      child.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`Azurite exited (${code ?? signal}) before listening: ${output}`));
      });
    });
  } catch (error) {
    await stop();
    throw error;
  }
  return { blobEndpoint: `https://127.0.0.1:${port}/${AZURITE_ACCOUNT}`, certificate: tls.cert, stop };
}

const base64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

/**
 * A stand-in for the managed identity: an unsigned-but-well-formed Entra ID access token for Storage, the
 * shape Azurite's basic OAuth accepts. `requestedScopes` records what the SDK asked for.
 */
export function devTokenCredential(): TokenCredential & { readonly requestedScopes: string[] } {
  const requestedScopes: string[] = [];
  const tenant = randomUUID();
  return {
    requestedScopes,
    getToken(scopes): Promise<AccessToken> {
      requestedScopes.push(...(Array.isArray(scopes) ? scopes : [scopes]));
      const now = Math.floor(Date.now() / 1000);
      const claims = {
        aud: 'https://storage.azure.com',
        iss: `https://sts.windows.net/${tenant}/`,
        iat: now - 60,
        nbf: now - 60,
        exp: now + 3600,
        oid: randomUUID(),
        tid: tenant,
        sub: randomUUID(),
        ver: '1.0',
      };
      const token = `${base64url({ typ: 'JWT', alg: 'RS256' })}.${base64url(claims)}.${Buffer.from('unsigned').toString('base64url')}`;
      return Promise.resolve({ token, expiresOnTimestamp: claims.exp * 1000 });
    },
  };
}

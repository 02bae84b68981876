/** A throwaway self-signed certificate for 127.0.0.1 and localhost (openssl), for the tests' HTTPS servers. */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface Tls {
  readonly dir: string;
  readonly certPath: string;
  readonly cert: string;
  readonly key: string;
  dispose(): Promise<void>;
}

export async function selfSignedTls(): Promise<Tls> {
  const dir = await mkdtemp(path.join(tmpdir(), 'tls-'));
  const certPath = path.join(dir, 'cert.pem');
  const keyPath = path.join(dir, 'key.pem');
  await run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '1',
    '-subj',
    '/CN=127.0.0.1',
    '-addext',
    'subjectAltName=IP:127.0.0.1,DNS:localhost',
    '-keyout',
    keyPath,
    '-out',
    certPath,
  ]);
  return {
    dir,
    certPath,
    cert: await readFile(certPath, 'utf8'),
    key: await readFile(keyPath, 'utf8'),
    dispose: () => rm(dir, { recursive: true, force: true }),
  };
}

/**
 * A local Application Insights ingestion endpoint for tests: HTTPS (the exporter refuses plain-http
 * endpoints) with a self-signed certificate for 127.0.0.1 made by the `openssl` CLI at test time. It
 * accepts the track API (`POST /v2.1/track`, `/v2/track`), plain or gzip'd, a JSON array or
 * newline-delimited envelopes, answers like the real service and records every envelope.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, inflateSync } from 'node:zlib';

/** One telemetry item as the exporter sends it (only the fields tests read are typed). */
export interface Envelope {
  readonly name: string;
  readonly time: string;
  readonly iKey?: string;
  readonly tags?: Readonly<Record<string, string>>;
  readonly data?: {
    readonly baseType: string;
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    readonly baseData: Record<string, any>;
  };
}

export interface IngestionRequest {
  readonly method: string;
  readonly path: string;
  readonly contentEncoding?: string;
  /** The Authorization header (a bearer token when the exporter authenticates with Entra). */
  readonly authorization?: string;
  readonly items: number;
}

export interface IngestionServer {
  readonly url: string;
  /** A connection string pointing ingestion and live metrics at this endpoint. */
  readonly connectionString: string;
  /** The PEM certificate of the endpoint, to trust in the client. */
  readonly caFile: string;
  readonly envelopes: Envelope[];
  readonly requests: IngestionRequest[];
  /** Envelopes of one base type ('RequestData', 'RemoteDependencyData', 'MetricData', …). */
  ofType(baseType: string): Envelope[];
  /** Resolves once `done(envelopes)` holds; rejects with what arrived after `timeoutMs`. */
  waitFor(done: (envelopes: readonly Envelope[]) => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export const TEST_INSTRUMENTATION_KEY = '00000000-0000-0000-0000-000000000000';

function selfSignedCertificate(dir: string): { key: string; cert: string; certFile: string } {
  const keyFile = join(dir, 'key.pem');
  const certFile = join(dir, 'cert.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-sha256',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      keyFile,
      '-out',
      certFile,
    ],
    { stdio: 'pipe' },
  );
  return { key: readFileSync(keyFile, 'utf8'), cert: readFileSync(certFile, 'utf8'), certFile };
}

function decode(body: Buffer, encoding: string | undefined): string {
  if (encoding === 'gzip') return gunzipSync(body).toString('utf8');
  if (encoding === 'deflate') return inflateSync(body).toString('utf8');
  return body.toString('utf8');
}

/** The body is a JSON array of envelopes, one envelope, or newline-delimited envelopes. */
export function parseEnvelopes(text: string): Envelope[] {
  const trimmed = text.trim();
  if (trimmed === '') return [];
  try {
    const parsed: unknown = JSON.parse(trimmed);
    return (Array.isArray(parsed) ? parsed : [parsed]) as Envelope[];
  } catch {
    return trimmed
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as Envelope);
  }
}

export async function startIngestionServer(): Promise<IngestionServer> {
  const dir = mkdtempSync(join(tmpdir(), 'ingestion-'));
  const { key, cert, certFile } = selfSignedCertificate(dir);
  const envelopes: Envelope[] = [];
  const requests: IngestionRequest[] = [];
  const server: Server = createServer({ key, cert }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const path = new URL(req.url ?? '/', 'https://127.0.0.1').pathname;
      const contentEncoding = req.headers['content-encoding'];
      const authorization = req.headers.authorization;
      if (req.method === 'POST' && (path === '/v2.1/track' || path === '/v2/track')) {
        let items: Envelope[];
        try {
          items = parseEnvelopes(decode(Buffer.concat(chunks), contentEncoding));
        } catch (error) {
          requests.push({ method: req.method, path, contentEncoding, authorization, items: 0 });
          res
            .writeHead(400, { 'content-type': 'application/json' })
            .end(JSON.stringify({ error: (error as Error).message }));
          return;
        }
        envelopes.push(...items);
        requests.push({ method: req.method, path, contentEncoding, authorization, items: items.length });
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ itemsReceived: items.length, itemsAccepted: items.length, errors: [] }));
        return;
      }
      // Anything else (e.g. a live metrics ping) is recorded, so a test can assert it never came.
      requests.push({ method: req.method ?? 'GET', path, contentEncoding, items: 0 });
      res.writeHead(404).end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const ofType = (baseType: string) => envelopes.filter((e) => e.data?.baseType === baseType);
  return {
    url,
    connectionString: `InstrumentationKey=${TEST_INSTRUMENTATION_KEY};IngestionEndpoint=${url};LiveEndpoint=${url}`,
    caFile: certFile,
    envelopes,
    requests,
    ofType,
    async waitFor(done, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      while (!done(envelopes)) {
        if (Date.now() > deadline) {
          const seen = envelopes.map(
            (e) =>
              `${e.data?.baseType ?? e.name}:${String(e.data?.baseData.name ?? e.data?.baseData.metrics?.[0]?.name ?? '')}`,
          );
          throw new Error(`telemetry did not arrive within ${timeoutMs} ms; got ${seen.length}: ${seen.join(', ')}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

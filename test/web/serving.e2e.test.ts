/**
 * The pages over HTTP through the local host (no browser): content types, ETag and 304, gzip, the CSP,
 * anonymous access, 404 problems for names that are not assets, and pages that name nothing outside the app.
 */
import { get, type IncomingHttpHeaders } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHost, type TestHost } from '../support/host';

const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

describe('pages and assets served by the app', () => {
  let host: TestHost;
  beforeAll(async () => {
    host = await startTestHost();
  });
  afterAll(async () => {
    await host?.stop();
  });

  it.each([
    ['catalog', 'text/html; charset=utf-8'],
    ['docs', 'text/html; charset=utf-8'],
    ['web/catalog.js', 'text/javascript; charset=utf-8'],
    ['web/catalog.css', 'text/css; charset=utf-8'],
    ['web/docs.js', 'text/javascript; charset=utf-8'],
    ['web/docs.css', 'text/css; charset=utf-8'],
    ['web/icon.svg', 'image/svg+xml'],
    ['web/swagger-ui-bundle.js', 'text/javascript; charset=utf-8'],
    ['web/swagger-ui.css', 'text/css; charset=utf-8'],
  ])('GET /api/%s: anonymous, %s, CSP, ETag, then 304 on If-None-Match', async (path, type) => {
    const res = await host.api(path, { key: 'none' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(type);
    expect(res.headers.get('content-security-policy')).toBe(CSP);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('cache-control')).toBe('public, no-cache');
    const etag = res.headers.get('etag')!;
    expect(etag).toMatch(/^"[A-Za-z0-9_-]{27}"$/);
    const again = await host.api(path, { key: 'none', headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
    expect(again.text).toBe('');
  });

  it('sends Swagger UI gzipped to a client that accepts it', async () => {
    // node:http, not fetch: fetch would decompress on its own
    const { headers, body } = await new Promise<{ headers: IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
      get(`${host.url}/api/web/swagger-ui-bundle.js`, { headers: { 'accept-encoding': 'gzip' } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      }).on('error', reject);
    });
    expect(headers['content-encoding']).toBe('gzip');
    expect(headers.vary).toBe('Accept-Encoding');
    expect(body.length).toBeLessThan(700_000);
    expect(gunzipSync(body).toString('utf8')).toContain('SwaggerUIBundle');
  });

  it('names that are not assets are 404 problems; other methods 405', async () => {
    for (const name of ['nope.js', 'package.json', 'tsconfig.json', '..%2Fhost.json', 'LICENSE', 'constructor']) {
      const res = await host.api(`web/${name}`, { key: 'none' });
      expect(res.status, name).toBe(404);
      expect(res.headers.get('content-type'), name).toBe('application/problem+json');
    }
    expect((await host.api('catalog', { method: 'POST', key: 'none' })).status).toBe(405);
  });

  it('the pages load scripts and styles from the app only, and no inline script or style', async () => {
    for (const path of ['catalog', 'docs']) {
      const html = (await host.api(path, { key: 'none' })).text;
      const urls = [...html.matchAll(/\b(?:src|href)="([^"]*)"/g)].map((m) => m[1]!);
      expect(urls.length, path).toBeGreaterThan(2);
      for (const url of urls) expect(url, `${path}: ${url}`).toMatch(/^(\/api\/|#)/);
      expect(html, path).not.toMatch(/<script>|<script(?![^>]*\bsrc=)[^>]*>|<style|\sstyle=/);
    }
  });

  it('the API reference is in the OpenAPI document like every other function, and anonymous', async () => {
    const doc = (await host.api('openapi.json', { key: 'none' })).json;
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/docs', '/api/catalog', '/api/web/{name}']));
    for (const p of ['/api/docs', '/api/catalog', '/api/web/{name}']) expect(doc.paths[p].get.security, p).toEqual([]);
  });
});

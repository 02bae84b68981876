import { gunzipSync } from 'node:zlib';
import { HttpRequest } from '@azure/functions';
import { describe, expect, it } from 'vitest';
import { NotFoundError } from '../../shared/errors';
import {
  ASSETS,
  CONTENT_SECURITY_POLICY,
  PAGES,
  assetNamed,
  diskReader,
  webFiles,
  type WebFile,
} from '../../shared/http/web';

const get = (headers: Record<string, string> = {}) =>
  new HttpRequest({ method: 'GET', url: 'http://localhost/api/web/x', headers });

function countingReader(content: string) {
  const reads: string[] = [];
  return {
    reads,
    read: async (file: WebFile) => {
      reads.push(file.file);
      return Buffer.from(content);
    },
  };
}

describe('web files', () => {
  it('reads nothing when created, each file once on its first request', async () => {
    const reader = countingReader('body { color: red; }');
    const files = webFiles(reader.read);
    expect(reader.reads).toEqual([]);
    await files.respond(ASSETS['catalog.css']!, get());
    await files.respond(ASSETS['catalog.css']!, get());
    await files.respond(ASSETS['catalog.js']!, get());
    expect(reader.reads).toEqual(['catalog.css', 'catalog.js']);
  });

  it('answers with the content type, a strong ETag, no-cache, nosniff and a CSP that allows nothing from outside', async () => {
    const files = webFiles(countingReader('console.log(1);').read);
    const res = await files.respond(ASSETS['catalog.js']!, get());
    expect(res.status).toBe(200);
    expect(res.headers).toEqual({
      'Content-Type': 'text/javascript; charset=utf-8',
      ETag: '"NcFG924SlHfGQGG8hFEeEJDz1Ng"',
      'Cache-Control': 'public, no-cache',
      Vary: 'Accept-Encoding',
      'Content-Security-Policy':
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
    });
    expect(Buffer.from(res.body as Uint8Array).toString()).toBe('console.log(1);');
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/https?:|\*|unsafe/);
  });

  it('answers 304 without a body when If-None-Match names the current file (also weak or in a list)', async () => {
    const files = webFiles(countingReader('x').read);
    const { headers } = await files.respond(ASSETS['catalog.js']!, get());
    const tag = (headers as Record<string, string>).ETag!;
    for (const inm of [tag, `W/${tag}`, `"other", ${tag}`]) {
      const res = await files.respond(ASSETS['catalog.js']!, get({ 'if-none-match': inm }));
      expect(res.status, inm).toBe(304);
      expect(res.body, inm).toBeUndefined();
    }
    expect((await files.respond(ASSETS['catalog.js']!, get({ 'if-none-match': '"stale"' }))).status).toBe(200);
  });

  it('gzips text over 1 KiB when the client accepts it', async () => {
    const text = 'let a = 1;\n'.repeat(500);
    const files = webFiles(countingReader(text).read);
    const plain = await files.respond(ASSETS['catalog.js']!, get());
    expect((plain.headers as Record<string, string>)['Content-Encoding']).toBeUndefined();
    const zipped = await files.respond(ASSETS['catalog.js']!, get({ 'accept-encoding': 'br, gzip, deflate' }));
    expect((zipped.headers as Record<string, string>)['Content-Encoding']).toBe('gzip');
    expect(gunzipSync(zipped.body as Uint8Array).toString()).toBe(text);
  });

  it('serves only the listed assets: any other name is a 404', () => {
    expect(assetNamed('swagger-ui.css')).toBe(ASSETS['swagger-ui.css']);
    for (const name of ['../package.json', 'tsconfig.json', 'constructor', '__proto__', 'toString', '', undefined]) {
      expect(() => assetNamed(name), String(name)).toThrow(NotFoundError);
    }
  });

  it('every page and asset exists where the disk reader looks (the repository layout)', async () => {
    const read = diskReader();
    for (const file of [...Object.values(PAGES), ...Object.values(ASSETS)]) {
      expect((await read(file)).length, file.file).toBeGreaterThan(0);
    }
  });
});

/**
 * The app's web pages (the API reference and the catalog browser) and their static assets.
 *
 * Assets are files, read on the first request that needs them and kept in memory after that (never at
 * start: cold start pays nothing for pages nobody opened). Each answer carries a strong ETag (304 on
 * If-None-Match), `Cache-Control: no-cache` (always revalidate, so a deploy is seen at once), gzip when
 * the client accepts it, and a Content-Security-Policy that allows nothing from outside the app.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import { NotFoundError } from '../errors';

/**
 * Nothing from outside the app: scripts, styles, fonts, fetches and frames from this origin only
 * (data: images for the icons Swagger UI's stylesheet embeds). No inline script or style element.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Where a file lives: the app's own `web/` folder, or the swagger-ui-dist package. */
type Origin = 'web' | 'swagger-ui';

/** A file's strong ETag: 27 base64url characters of its SHA-256, quoted. */
export const fileETag = (bytes: Buffer): string =>
  `"${createHash('sha256').update(bytes).digest('base64url').slice(0, 27)}"`;

/** The syntax of `fileETag`, as documented on every page and asset response. */
export const FILE_ETAG_SCHEMA = { type: 'string', pattern: '^"[A-Za-z0-9_-]{27}"$' } as const;

export interface WebFile {
  readonly file: string;
  readonly origin: Origin;
  readonly contentType: string;
}

const HTML = 'text/html; charset=utf-8';
const JS = 'text/javascript; charset=utf-8';
const CSS = 'text/css; charset=utf-8';

/** The pages, served at /api/<route> by their own functions. */
export const PAGES = {
  docs: { file: 'docs.html', origin: 'web', contentType: HTML },
  catalog: { file: 'catalog.html', origin: 'web', contentType: HTML },
} as const satisfies Record<string, WebFile>;

/** The static assets, served at /api/web/<name>; nothing else is (no path from the request reaches the disk). */
export const ASSETS: Readonly<Record<string, WebFile>> = {
  'catalog.js': { file: 'catalog.js', origin: 'web', contentType: JS },
  'catalog.css': { file: 'catalog.css', origin: 'web', contentType: CSS },
  'docs.js': { file: 'docs.js', origin: 'web', contentType: JS },
  'docs.css': { file: 'docs.css', origin: 'web', contentType: CSS },
  'icon.svg': { file: 'icon.svg', origin: 'web', contentType: 'image/svg+xml' },
  'swagger-ui-bundle.js': { file: 'swagger-ui-bundle.js', origin: 'swagger-ui', contentType: JS },
  'swagger-ui.css': { file: 'swagger-ui.css', origin: 'swagger-ui', contentType: CSS },
};

/** Files of swagger-ui-dist the deploy package carries (with its licence). */
export const SWAGGER_UI_FILES = ['swagger-ui-bundle.js', 'swagger-ui.css', 'LICENSE', 'NOTICE'] as const;

/** Folder of the web files inside the deploy package and the repository. */
export const WEB_DIR = 'web';
/** Where the deploy package puts swagger-ui-dist's files (the repository reads them from node_modules). */
export const PACKAGED_SWAGGER_DIR = join(WEB_DIR, 'vendor', 'swagger-ui');

/** The app root: the nearest folder above this module that holds host.json (the repository or the package). */
function findAppRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'host.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no host.json above ${from}`);
  }
}

/** Reads one web file from disk: the default reader, given the app root. */
export function diskReader(root?: string): (file: WebFile) => Promise<Buffer> {
  let appRoot = root;
  return async (file) => {
    appRoot ??= findAppRoot(__dirname);
    if (file.origin === 'web') return readFile(join(appRoot, WEB_DIR, file.file));
    const packaged = join(appRoot, PACKAGED_SWAGGER_DIR, file.file);
    return readFile(existsSync(packaged) ? packaged : join(appRoot, 'node_modules', 'swagger-ui-dist', file.file));
  };
}

interface Loaded {
  readonly bytes: Buffer;
  readonly etag: string;
  gzipped?: Promise<Buffer>;
}

const gzipAsync = promisify(gzip);
const COMPRESSIBLE = /^(text\/|image\/svg\+xml)/;

export interface WebFiles {
  /** The response for one file, honouring If-None-Match and Accept-Encoding. */
  respond(file: WebFile, request: HttpRequest): Promise<HttpResponseInit>;
}

/** A memo of web files over a reader: each file is read once, on its first request. */
export function webFiles(read: (file: WebFile) => Promise<Buffer> = diskReader()): WebFiles {
  const cache = new Map<string, Promise<Loaded>>();
  const load = (file: WebFile): Promise<Loaded> => {
    const key = `${file.origin}/${file.file}`;
    let entry = cache.get(key);
    if (!entry) {
      entry = read(file).then((bytes) => ({ bytes, etag: fileETag(bytes) }));
      entry.catch(() => cache.delete(key));
      cache.set(key, entry);
    }
    return entry;
  };
  return {
    async respond(file, request) {
      const loaded = await load(file);
      const headers: Record<string, string> = {
        'Content-Type': file.contentType,
        ETag: loaded.etag,
        'Cache-Control': 'public, no-cache',
        Vary: 'Accept-Encoding',
        'Content-Security-Policy': CONTENT_SECURITY_POLICY,
        'X-Content-Type-Options': 'nosniff',
        'Referrer-Policy': 'no-referrer',
      };
      const ifNoneMatch = request.headers.get('if-none-match');
      if (ifNoneMatch !== null && ifNoneMatch.split(',').some((t) => t.trim().replace(/^W\//, '') === loaded.etag)) {
        return { status: 304, headers };
      }
      const acceptsGzip = /\bgzip\b/i.test(request.headers.get('accept-encoding') ?? '');
      if (acceptsGzip && COMPRESSIBLE.test(file.contentType) && loaded.bytes.length > 1024) {
        loaded.gzipped ??= gzipAsync(loaded.bytes);
        return { status: 200, headers: { ...headers, 'Content-Encoding': 'gzip' }, body: await loaded.gzipped };
      }
      return { status: 200, headers, body: loaded.bytes };
    },
  };
}

/** The asset a route parameter names, or a 404 problem. */
export function assetNamed(name: string | undefined): WebFile {
  const asset = name !== undefined && Object.hasOwn(ASSETS, name) ? ASSETS[name] : undefined;
  if (!asset) throw new NotFoundError(`No asset ${JSON.stringify((name ?? '').slice(0, 80))}.`);
  return asset;
}

/** The app's one memo of web files (created on import, reads nothing until asked). */
export const appWebFiles: WebFiles = webFiles();

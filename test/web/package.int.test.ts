import { readFileSync } from 'node:fs';
import { unzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { buildPackage } from '../../scripts/package';

describe('deploy package with the pages', () => {
  it('carries the pages and Swagger UI as files beside the bundle, and stays within 3 MB zipped', async () => {
    const info = await buildPackage();
    expect(info.bytes).toBeLessThanOrEqual(3 * 1000 * 1000);
    const entries = Object.keys(unzipSync(readFileSync(info.path))).sort();
    expect(entries).toEqual([
      'dist/functions/index.js',
      'host.json',
      'package.json',
      'web/catalog.css',
      'web/catalog.html',
      'web/catalog.js',
      'web/docs.css',
      'web/docs.html',
      'web/docs.js',
      'web/icon.svg',
      'web/vendor/swagger-ui/LICENSE',
      'web/vendor/swagger-ui/NOTICE',
      'web/vendor/swagger-ui/swagger-ui-bundle.js',
      'web/vendor/swagger-ui/swagger-ui.css',
    ]);
    // the bundle does not embed the assets: they are read from the files on request
    const bundle = Buffer.from(unzipSync(readFileSync(info.path))['dist/functions/index.js']!).toString('utf8');
    expect(bundle).not.toContain('SwaggerUIBundle');
  });
});

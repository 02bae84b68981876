/**
 * The layers, by their imports: the domain knows nothing but itself (and zod, its schema language): no
 * errors with HTTP statuses, no HTTP helpers, no ports. The application layer (command handling,
 * operations, projection) takes its ports as parameters: it imports no adapter, no composition root, no
 * local server, no configuration and no vendor SDK.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '../..');

function importsOf(file: string): string[] {
  const source = readFileSync(path.join(ROOT, file), 'utf8');
  return [...source.matchAll(/(?:from|import)\s*\(?\s*'([^']+)'/g)].map((m) => m[1]!);
}

const filesIn = (dir: string) =>
  readdirSync(path.join(ROOT, dir))
    .filter((f) => f.endsWith('.ts'))
    .map((f) => `${dir}/${f}`);

describe('layers', () => {
  it('the domain imports only its own modules and zod', () => {
    const outside = filesIn('shared/domain').flatMap((file) =>
      importsOf(file)
        .filter((spec) => spec !== 'zod' && !/^\.\/[\w-]+$/.test(spec))
        .map((spec) => `${file}: ${spec}`),
    );
    expect(outside).toEqual([]);
  });

  it('the application layer imports no adapter, composition root, local server, configuration or SDK', () => {
    const files = [
      ...filesIn('shared/write-model'),
      ...filesIn('shared/operations'),
      'shared/read-model/projection.ts',
    ];
    const forbidden = /(^|\/)(adapters|local)\/|(^|\/)(composition|config|telemetry)$|^@azure\/|^@elastic\/|^ioredis$/;
    const found = files.flatMap((file) =>
      importsOf(file)
        .filter((spec) => forbidden.test(spec))
        .map((spec) => `${file}: ${spec}`),
    );
    expect(files).toContain('shared/write-model/commands.ts');
    expect(found).toEqual([]);
  });
});

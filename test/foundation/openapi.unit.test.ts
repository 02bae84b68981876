import { describe, expect, it } from 'vitest';
import { functions } from '../../functions/index';
import { buildOpenApi } from '../../shared/http/openapi';

const doc = buildOpenApi(functions, { title: 't', version: '1' }) as {
  openapi: string;
  paths: Record<string, Record<string, { parameters: { name: string; in: string }[]; requestBody?: { content: Record<string, unknown> }; responses: Record<string, { content?: Record<string, unknown> }>; security: unknown[] }>>;
  components: { schemas: Record<string, unknown> };
};

describe('OpenAPI document generated from the registry', () => {
  it('is OpenAPI 3.1 with every HTTP function and method', () => {
    expect(doc.openapi).toBe('3.1.0');
    for (const f of functions) {
      if (f.kind !== 'http') continue;
      for (const m of f.methods) expect(doc.paths[`/api/${f.route}`]?.[m.toLowerCase()], `${m} ${f.route}`).toBeDefined();
    }
  });

  it('documents request bodies from the validating schemas, and problem responses', () => {
    const post = doc.paths['/api/movies']!.post!;
    expect(Object.keys(post.requestBody!.content)).toEqual(['application/json']);
    expect(post.responses['422']!.content).toHaveProperty(['application/problem+json']);
    const patch = doc.paths['/api/movies/{id}']!.patch!;
    expect(Object.keys(patch.requestBody!.content)).toEqual(['application/merge-patch+json']);
    expect(patch.parameters.map((p) => p.name)).toEqual(['id', 'If-Match']);
    const search = doc.paths['/api/movies']!.get!;
    expect(search.parameters.map((p) => p.name)).toEqual(expect.arrayContaining(['q', 'genre', 'sort', 'limit', 'cursor']));
    expect(search.security).toEqual([]);
  });

  it('every $ref resolves to a component schema', () => {
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map((m) => m[1]!);
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) expect(doc.components.schemas, ref).toHaveProperty([ref]);
  });
});

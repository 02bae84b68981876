import { HttpRequest, InvocationContext } from '@azure/functions';
import { describe, expect, it } from 'vitest';
import { functions } from '../../functions/all';
import type { Deps } from '../../shared/ports';
import type { HttpFunctionDefinition } from '../../shared/registry';
import { buildOpenApi } from '../../shared/http/openapi';
import { fileETag } from '../../shared/http/web';

/** Built inside each test (not at import), so the mutation run sees which test covers which line of the generator. */
const documentOf = () =>
  buildOpenApi(functions, { title: 't', version: '1' }) as {
    openapi: string;
    paths: Record<
      string,
      Record<
        string,
        {
          parameters: { name: string; in: string }[];
          requestBody?: { content: Record<string, unknown> };
          responses: Record<string, { content?: Record<string, unknown> }>;
          security: unknown[];
        }
      >
    >;
    components: { schemas: Record<string, unknown> };
  };

describe('OpenAPI document generated from the registry', () => {
  it('is served by the openapi function of the list, and documents that whole list, itself included', async () => {
    const served = functions.find((f): f is HttpFunctionDefinition => f.name === 'openapi')!;
    const context = new InvocationContext({ functionName: 'openapi', invocationId: 'i', logHandler: () => undefined });
    const response = await served.handler(
      new HttpRequest({ method: 'GET', url: 'http://h/api/openapi.json' }),
      context,
      {} as Deps,
    );
    expect(response.status).toBe(200);
    const paths = Object.keys((response.jsonBody as { paths: Record<string, unknown> }).paths);
    expect(paths).toContain('/api/openapi.json');
    expect(paths).toContain('/api/movies/{id}/history');
    expect(paths).toContain('/api/web/{name}');
  });

  it('is OpenAPI 3.1 with every HTTP function and method', () => {
    const doc = documentOf();
    expect(doc.openapi).toBe('3.1.0');
    for (const f of functions) {
      if (f.kind !== 'http') continue;
      for (const m of f.methods)
        expect(doc.paths[`/api/${f.route}`]?.[m.toLowerCase()], `${m} ${f.route}`).toBeDefined();
    }
  });

  it('documents request bodies from the validating schemas, and problem responses', () => {
    const doc = documentOf();
    const post = doc.paths['/api/movies']!.post!;
    expect(Object.keys(post.requestBody!.content)).toEqual(['application/json']);
    expect(post.responses['422']!.content).toHaveProperty(['application/problem+json']);
    const patch = doc.paths['/api/movies/{id}']!.patch!;
    expect(Object.keys(patch.requestBody!.content)).toEqual(['application/merge-patch+json']);
    expect(patch.parameters.map((p) => p.name)).toEqual(['id', 'If-Match']);
    const search = doc.paths['/api/movies']!.get!;
    expect(search.parameters.map((p) => p.name)).toEqual(
      expect.arrayContaining(['q', 'genre', 'sort', 'limit', 'cursor']),
    );
    expect(search.security).toEqual([]);
  });

  it('every $ref resolves to a component schema', () => {
    const doc = documentOf();
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map((m) => m[1]!);
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) expect(doc.components.schemas, ref).toHaveProperty([ref]);
  });

  it('is as strict as the validation: bounds, enums, [0-9] patterns, header patterns, links from ETag to If-Match', () => {
    const doc = documentOf();
    const param = (path: string, method: string, name: string) =>
      (
        doc.paths[path]![method]!.parameters as unknown as Array<{ name: string; schema: Record<string, unknown> }>
      ).find((p) => p.name === name)!.schema;
    expect(param('/api/movies', 'get', 'limit')).toEqual({ type: 'integer', minimum: 1, maximum: 100 });
    expect(param('/api/movies', 'get', 'yearFrom')).toEqual({ type: 'integer', minimum: 1800, maximum: 3000 });
    expect(param('/api/movies', 'get', 'minRating')).toEqual({ type: 'number', minimum: 0, maximum: 10 });
    expect(param('/api/movies', 'get', 'sort')).toEqual({
      type: 'string',
      enum: ['relevance', 'title', '-title', 'year', '-year', 'rating', '-rating'],
    });
    expect(param('/api/movies', 'get', 'mpaaRating')).toEqual({
      type: 'string',
      enum: ['G', 'PG', 'PG-13', 'R', 'NC-17', 'Not Rated'],
    });
    expect(param('/api/movies', 'get', 'genre')).toEqual({
      type: 'array',
      minItems: 1,
      maxItems: 10,
      items: {
        type: 'string',
        enum: [
          'Action',
          'Adventure',
          'Animation',
          'Biography',
          'Black Comedy',
          'Comedy',
          'Concert/Performance',
          'Crime',
          'Documentary',
          'Drama',
          'Family',
          'Fantasy',
          'Film-Noir',
          'History',
          'Horror',
          'Music',
          'Musical',
          'Mystery',
          'Romance',
          'Romantic Comedy',
          'Sci-Fi',
          'Sport',
          'Thriller',
          'Thriller/Suspense',
          'War',
          'Western',
        ],
      },
    });
    expect(param('/api/movies/{id}/history', 'get', 'limit')).toEqual({ type: 'integer', minimum: 1, maximum: 100 });
    expect(param('/api/movies/{id}', 'patch', 'If-Match')).toMatchObject({
      type: 'string',
      pattern: '^(?:W\\/)?"([1-9][0-9]{0,14})"$',
    });
    expect(param('/api/movies/{id}', 'get', 'X-Min-Version')).toMatchObject({
      type: 'string',
      pattern: '^[1-9][0-9]{0,14}$',
    });
    expect(param('/api/movies', 'post', 'Idempotency-Key')).toMatchObject({
      type: 'string',
      pattern: '^[!-~]{1,200}$',
    });
    expect(JSON.stringify(doc)).not.toContain('\\\\d');
    const fields = doc.components.schemas.MovieFields as {
      properties: Record<string, Record<string, unknown>>;
      additionalProperties: unknown;
    };
    expect(fields.properties.releaseDate).toMatchObject({
      type: 'string',
      format: 'date',
      pattern:
        '^(?:(?:[1-9][0-9]{3}|0[1-9][0-9]{2}|00[1-9][0-9]|000[1-9])-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)|02-(?:0[1-9]|1[0-9]|2[0-8]))|(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:0[48]|[2468][048]|[13579][26])00)-02-29)$',
    });
    expect(fields.properties.title).toMatchObject({ type: 'string', maxLength: 300 });
    expect(new RegExp(fields.properties.title!.pattern as string).test('   ')).toBe(false);
    expect(new RegExp(fields.properties.title!.pattern as string).test('a\u0000')).toBe(false);
    const created = doc.paths['/api/movies']!.post!.responses['201'] as unknown as {
      links: Record<string, { operationId: string; parameters: Record<string, string> }>;
    };
    for (const op of ['putMovie', 'patchMovie', 'deleteMovie']) {
      expect(created.links[op]).toMatchObject({
        operationId: op,
        parameters: { id: '$response.body#/id', 'header.If-Match': '$response.header.ETag' },
      });
    }
    expect((doc.paths['/api/movies/{id}']!.put as unknown as { description: string }).description).toContain(
      'Exactly one of `If-None-Match: *`',
    );
  });
  it("documents each ETag with the syntax it really has: a movie's version, a served file's hash", () => {
    const doc = documentOf();
    type Headers = Record<string, { schema: { pattern: string } }>;
    const etagPattern = (path: string, method: string, status: string) =>
      (doc.paths[path]![method]!.responses[status] as unknown as { headers: Headers }).headers.ETag!.schema.pattern;
    const fileTag = fileETag(Buffer.from('<!doctype html>'));
    for (const path of ['/api/docs', '/api/catalog', '/api/web/{name}']) {
      expect(new RegExp(etagPattern(path, 'get', '200')).test(fileTag), path).toBe(true);
    }
    expect(etagPattern('/api/movies/{id}', 'get', '200')).toBe('^"[1-9][0-9]{0,14}"$');
    expect(etagPattern('/api/docs', 'get', '200')).toBe('^"[A-Za-z0-9_-]{27}"$');
  });
});

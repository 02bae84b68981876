/**
 * What the OpenAPI document promises about required inputs, checked against literal expectations (not
 * re-derived from the registry the generator reads): a path id is required, the bodies of commands are
 * required, If-Match is required where the API answers 428 without it, and and search parameters are optional.
 */
import { describe, expect, it } from 'vitest';
import { functions } from '../../functions/all';
import { buildOpenApi } from '../../shared/http/openapi';

interface Parameter {
  name: string;
  in: string;
  required: boolean;
  schema: Record<string, unknown>;
}
interface Operation {
  parameters: Parameter[];
  requestBody?: { required: boolean };
}
/** Built inside each test (not at import), so the mutation run sees which test covers which line of the generator. */
const documentOf = () =>
  buildOpenApi(functions, { title: 't', version: '1' }) as { paths: Record<string, Record<string, Operation>> };
const op = (path: string, method: string) => {
  const found = documentOf().paths[path]?.[method];
  if (!found) throw new Error(`${method} ${path} is not documented`);
  return found;
};
const param = (path: string, method: string, name: string) => op(path, method).parameters.find((p) => p.name === name);

describe('OpenAPI: required inputs', () => {
  it.each([
    ['/api/movies/{id}', 'get'],
    ['/api/movies/{id}', 'put'],
    ['/api/movies/{id}', 'patch'],
    ['/api/movies/{id}', 'delete'],
    ['/api/movies/{id}/history', 'get'],
  ])('%s %s: the path id is a required path parameter', (path, method) => {
    expect(param(path, method, 'id')).toMatchObject({ in: 'path', required: true });
  });

  it('every path parameter of every operation is required (OpenAPI demands it)', () => {
    const doc = documentOf();
    const pathParams = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops).flatMap(([m, o]) =>
        o.parameters.filter((p) => p.in === 'path').map((p) => [`${m} ${path} ${p.name}`, p.required] as const),
      ),
    );
    expect(pathParams.length).toBeGreaterThanOrEqual(5);
    expect(pathParams.filter(([, required]) => required !== true)).toEqual([]);
  });

  it.each([
    ['/api/movies/{id}', 'patch'],
    ['/api/movies/{id}', 'delete'],
  ])('%s %s: If-Match is a required header', (path, method) => {
    expect(param(path, method, 'If-Match')).toMatchObject({ in: 'header', required: true });
  });

  it.each([
    ['/api/movies', 'post'],
    ['/api/movies/{id}', 'put'],
    ['/api/movies/{id}', 'patch'],
  ])('%s %s: the request body is required', (path, method) => {
    expect(op(path, method).requestBody?.required).toBe(true);
  });

  // The bounds of limit (1..100) in the document belong to the strict-OpenAPI work (issue 12).
  it('search: its query parameters are optional', () => {
    for (const name of ['q', 'genre', 'sort', 'limit', 'cursor'])
      expect(param('/api/movies', 'get', name)?.required, name).toBe(false);
  });
});

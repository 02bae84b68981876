/**
 * The OpenAPI generator on a two-endpoint registry written here, so the whole document it makes can be
 * compared with a literal one: path parameters required whatever the registry says, keys where the
 * function needs one, the function-key schemes, problem responses by reference, named schemas as
 * components, response headers with their syntax.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { buildOpenApi } from '../../shared/http/openapi';
import type { FunctionDefinition } from '../../shared/registry';

const Thing = z.strictObject({ name: z.string().max(10) }).meta({ id: 'Thing' });
const handler = () => Promise.resolve({ status: 200 });

const registry: FunctionDefinition[] = [
  {
    kind: 'http',
    name: 'getThing',
    route: 'things/{id}',
    methods: ['GET'],
    authLevel: 'anonymous',
    summary: 'Read a thing',
    tags: ['things'],
    // no `required` here: OpenAPI demands it of a path parameter, so the document says it anyway
    parameters: [{ name: 'id', in: 'path', description: 'Thing id', schema: z.string() }],
    responses: {
      200: { description: 'The thing', schema: Thing, headers: { ETag: 'Version', 'X-Custom': 'Free text' } },
      404: { description: 'No such thing', problem: true },
    },
    handler,
  },
  {
    kind: 'http',
    name: 'putThing',
    route: 'things/{id}',
    methods: ['PUT'],
    authLevel: 'function',
    summary: 'Write a thing',
    description: 'Whole replacement.',
    tags: ['things'],
    parameters: [
      { name: 'id', in: 'path', description: 'Thing id', schema: z.string() },
      { name: 'dryRun', in: 'query', description: 'Check only', schema: z.enum(['true', 'false']) },
    ],
    requestBody: { contentTypes: ['application/json'], schema: Thing },
    responses: { 204: { description: 'Written' } },
    handler,
  },
  { kind: 'eventGrid', name: 'projector', summary: 'not an HTTP endpoint', handler: () => Promise.resolve() },
];

describe('OpenAPI generator', () => {
  it('turns a registry into this document', () => {
    const doc = buildOpenApi(registry, { title: 'Things', version: '9' });
    const idParam = { name: 'id', in: 'path', description: 'Thing id', required: true, schema: { type: 'string' } };
    expect(doc).toEqual({
      openapi: '3.1.0',
      info: {
        title: 'Things',
        version: '9',
        description:
          'Serverless CQRS movie catalog: commands on Cosmos DB, queries on Elasticsearch with a Redis cache.',
      },
      servers: [{ url: '/' }],
      paths: {
        '/api/things/{id}': {
          get: {
            operationId: 'getThing',
            summary: 'Read a thing',
            tags: ['things'],
            security: [],
            parameters: [idParam],
            responses: {
              200: {
                description: 'The thing',
                content: { 'application/json': { schema: { $ref: '#/components/schemas/Thing' } } },
                headers: {
                  ETag: { description: 'Version', schema: { type: 'string', pattern: '^"[1-9][0-9]{0,14}"$' } },
                  'X-Custom': { description: 'Free text', schema: { type: 'string' } },
                },
              },
              404: {
                description: 'No such thing',
                content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
              },
            },
          },
          put: {
            operationId: 'putThing',
            summary: 'Write a thing',
            description: 'Whole replacement.',
            tags: ['things'],
            security: [{ functionKeyHeader: [] }],
            parameters: [
              idParam,
              {
                name: 'dryRun',
                in: 'query',
                description: 'Check only',
                required: false,
                schema: { type: 'string', enum: ['true', 'false'] },
              },
            ],
            requestBody: {
              required: true,
              content: { 'application/json': { schema: { $ref: '#/components/schemas/Thing' } } },
            },
            responses: { 204: { description: 'Written' } },
          },
        },
      },
      components: {
        schemas: {
          Problem: expect.objectContaining({
            required: ['type', 'title', 'status', 'detail'],
            description: 'RFC 9457 problem details',
          }),
          Thing: {
            type: 'object',
            properties: { name: { type: 'string', maxLength: 10 } },
            required: ['name'],
            additionalProperties: false,
          },
        },
        securitySchemes: {
          functionKeyHeader: {
            type: 'apiKey',
            in: 'header',
            name: 'x-functions-key',
            description:
              'Function key (master key for the operations endpoints); the `code` query parameter is accepted too (functionKeyQuery)',
          },
          functionKeyQuery: { type: 'apiKey', in: 'query', name: 'code' },
        },
      },
    });
  });
});

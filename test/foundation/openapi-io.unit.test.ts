/**
 * The OpenAPI generator documents what a client SENDS for inputs (parameters, request bodies: the schema's
 * input side) and what it RECEIVES for responses (the output side). The difference shows on a transform
 * (a client sends the text, not the parsed value) and on a default (a client may leave the field out, a
 * response always carries it). Checked on a one-endpoint registry written here, against literal schemas.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { buildOpenApi } from '../../shared/http/openapi';
import type { FunctionDefinition } from '../../shared/registry';

const Body = z.strictObject({ name: z.string(), copies: z.number().int().min(1).default(1) });
const Answer = z.strictObject({ name: z.string(), copies: z.number().int().min(1).default(1) });

const registry: FunctionDefinition[] = [
  {
    kind: 'http',
    name: 'orderThing',
    route: 'things',
    methods: ['POST'],
    authLevel: 'function',
    summary: 'Order a thing',
    tags: ['things'],
    parameters: [
      {
        name: 'size',
        in: 'query',
        description: 'Text the handler parses',
        schema: z.string().transform((s) => s.length),
      },
    ],
    requestBody: { contentTypes: ['application/json'], schema: Body },
    responses: { 200: { description: 'Ordered', schema: Answer } },
    handler: () => Promise.resolve({ status: 200 }),
  },
];

type Op = {
  parameters: Array<{ schema: unknown }>;
  requestBody: { content: Record<string, { schema: unknown }> };
  responses: Record<string, { content: Record<string, { schema: unknown }> }>;
};
const operation = () =>
  (buildOpenApi(registry, { title: 'T', version: '1' }) as { paths: Record<string, Record<string, Op>> }).paths[
    '/api/things'
  ]!.post!;

describe('OpenAPI generator: input side for requests, output side for responses', () => {
  it('a parameter is documented as the text the client sends, not the value the handler parses it into', () => {
    expect(operation().parameters[0]!.schema).toEqual({ type: 'string' });
  });

  it('a request body field with a default is optional for the client', () => {
    expect(operation().requestBody.content['application/json']!.schema).toEqual({
      type: 'object',
      properties: {
        name: { type: 'string' },
        copies: { type: 'integer', minimum: 1, maximum: 9007199254740991, default: 1 },
      },
      required: ['name'],
      additionalProperties: false,
    });
  });

  it('a response field with a default is always there', () => {
    expect(operation().responses['200']!.content['application/json']!.schema).toEqual({
      type: 'object',
      properties: {
        name: { type: 'string' },
        copies: { type: 'integer', minimum: 1, maximum: 9007199254740991, default: 1 },
      },
      required: ['name', 'copies'],
      additionalProperties: false,
    });
  });
});

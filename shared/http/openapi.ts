/**
 * The OpenAPI 3.1 document, generated from the function registry: the same zod schemas that validate
 * input describe it (JSON Schema 2020-12), so there is no hand-written duplicate to drift.
 */
import { z } from 'zod';
import type { FunctionDefinition, HttpFunctionDefinition, ResponseDoc } from '../registry';
import { DOCUMENTED_AS } from './request';

type JsonSchema = Record<string, unknown>;

const ProblemSchema: JsonSchema = {
  type: 'object',
  required: ['type', 'title', 'status', 'detail'],
  properties: {
    type: { type: 'string', format: 'uri' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    instance: { type: 'string' },
    errors: {
      type: 'array',
      items: {
        type: 'object',
        required: ['path', 'message'],
        properties: { path: { type: 'string' }, message: { type: 'string' } },
      },
    },
    currentVersion: { type: 'integer' },
  },
  description: 'RFC 9457 problem details',
};

class SchemaCollector {
  readonly components: Record<string, JsonSchema> = { Problem: ProblemSchema };

  convert(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
    const json = z.toJSONSchema(schema, {
      target: 'draft-2020-12',
      io,
      unrepresentable: 'any',
      reused: 'inline',
      // A parameter parsed from text (a number, a repeated parameter) is documented by the schema that
      // validates its parsed value: the type and bounds a client must respect.
      override: (ctx) => {
        const doc = DOCUMENTED_AS.get(ctx.zodSchema as unknown as z.ZodType);
        if (!doc) return;
        const { $schema: _s, ...replacement } = z.toJSONSchema(doc, {
          target: 'draft-2020-12',
          io: 'output',
          unrepresentable: 'any',
          reused: 'inline',
        }) as JsonSchema;
        for (const key of Object.keys(ctx.jsonSchema)) delete (ctx.jsonSchema as JsonSchema)[key];
        Object.assign(ctx.jsonSchema, replacement);
      },
    }) as JsonSchema;
    const text = JSON.stringify(json).replaceAll('"#/$defs/', '"#/components/schemas/');
    const {
      $schema: _s,
      $defs,
      id,
      ...rest
    } = JSON.parse(text) as JsonSchema & { $defs?: Record<string, JsonSchema>; id?: string };
    for (const [name, def] of Object.entries($defs ?? {})) this.components[name] ??= def;
    if (typeof id === 'string') {
      this.components[id] ??= rest;
      return { $ref: `#/components/schemas/${id}` };
    }
    return rest;
  }
}

const pathOf = (route: string) => `/api/${route}`;

/** Response headers with a fixed syntax (a response may say otherwise: `ResponseDoc.headerSchemas`). */
const RESPONSE_HEADER_SCHEMAS: Record<string, JsonSchema> = {
  ETag: { type: 'string', pattern: '^"[1-9][0-9]{0,14}"$' },
  'Retry-After': { type: 'string', pattern: '^[0-9]{1,6}$' },
  'X-Cache': { type: 'string', enum: ['HIT', 'MISS'] },
  'X-Read-Source': { type: 'string', enum: ['read-store', 'write-store'] },
  'Idempotent-Replayed': { type: 'string', enum: ['true'] },
  'X-Correlation-Id': { type: 'string' },
  'X-Read-Behind': { type: 'string', enum: ['true'] },
  Location: { type: 'string' },
};

function responseObject(doc: ResponseDoc, schemas: SchemaCollector): JsonSchema {
  const content = doc.problem
    ? { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } }
    : doc.schema
      ? { 'application/json': { schema: schemas.convert(doc.schema, 'output') } }
      : undefined;
  const headers = doc.headers
    ? Object.fromEntries(
        Object.entries(doc.headers).map(([name, description]) => [
          name,
          { description, schema: doc.headerSchemas?.[name] ?? RESPONSE_HEADER_SCHEMAS[name] ?? { type: 'string' } },
        ]),
      )
    : undefined;
  const links = doc.links
    ? Object.fromEntries(
        Object.entries(doc.links).map(([name, link]) => [
          name,
          { operationId: link.operationId, description: link.description, parameters: link.parameters },
        ]),
      )
    : undefined;
  return {
    description: doc.description,
    ...(content ? { content } : {}),
    ...(headers ? { headers } : {}),
    ...(links ? { links } : {}),
  };
}

function operation(def: HttpFunctionDefinition, schemas: SchemaCollector): JsonSchema {
  // The header is the documented way; `code` (functionKeyQuery) is accepted too, as in Azure, but listing it
  // as an alternative makes clients (and fuzzers) treat a request without it as incomplete.
  const security = def.authLevel === 'anonymous' ? [] : [{ functionKeyHeader: [] }];
  const responses: Record<string, JsonSchema> = Object.fromEntries(
    Object.entries(def.responses).map(([status, doc]) => [status, responseObject(doc, schemas)]),
  );
  return {
    operationId: def.name,
    summary: def.summary,
    ...(def.description ? { description: def.description } : {}),
    tags: def.tags,
    security,
    parameters: (def.parameters ?? []).map((p) => ({
      name: p.name,
      in: p.in,
      description: p.description,
      required: p.in === 'path' ? true : (p.required ?? false),
      schema: schemas.convert(p.schema, 'input'),
    })),
    ...(def.requestBody
      ? {
          requestBody: {
            required: true,
            content: Object.fromEntries(
              def.requestBody.contentTypes.map((t) => [
                t,
                { schema: schemas.convert(def.requestBody!.schema, 'input') },
              ]),
            ),
          },
        }
      : {}),
    responses,
  };
}

export function buildOpenApi(
  functions: readonly FunctionDefinition[],
  info: { title: string; version: string },
): JsonSchema {
  const schemas = new SchemaCollector();
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const def of functions) {
    if (def.kind !== 'http') continue;
    const path = (paths[pathOf(def.route)] ??= {});
    for (const method of def.methods) path[method.toLowerCase()] = operation(def, schemas);
  }
  return {
    openapi: '3.1.0',
    info: {
      ...info,
      description: 'Serverless CQRS movie catalog: commands on Cosmos DB, queries on Elasticsearch with a Redis cache.',
    },
    servers: [{ url: '/' }],
    paths,
    components: {
      schemas: schemas.components,
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
  };
}

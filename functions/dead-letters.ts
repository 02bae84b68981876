import { z } from 'zod';
import { ValidationError } from '../shared/errors';
import { CursorParamSchema, decodeCursor, encodeCursor, queryOfRequest } from '../shared/http/cursor';
import { FUNCTION_KEY_PARAM, queryNumber, queryObject, validate } from '../shared/http/request';
import { problems } from '../shared/http/responses';
import type { HttpFunctionDefinition } from '../shared/registry';
import { BINDINGS } from './bindings';

const limitValue = z.number().int().min(1).max(1000);
const DEFAULT_LIMIT = 100;
const DeadLetterQuerySchema = z.strictObject({
  limit: queryNumber(limitValue, true).optional(),
  cursor: CursorParamSchema.optional(),
  ...FUNCTION_KEY_PARAM,
});

/** What a dead-letter cursor binds: the page size; its position is the store's (a name or a continuation token). */
const BoundListSchema = z.strictObject({ limit: limitValue });
const CURSOR_SCOPE = 'dead-letters';

const DeadLetterListSchema = z
  .object({
    items: z.array(
      z.object({
        name: z.string(),
        subscription: z.string(),
        eventId: z.string(),
        eventType: z.string(),
        subject: z.string().optional(),
        reason: z.string(),
        deliveryAttempts: z.number().int(),
        deadLetteredAt: z.string(),
      }),
    ),
    nextCursor: z.string().nullable(),
  })
  .meta({ id: 'DeadLetterList' });
/** One listed dead letter (`npm run redrive` reads the same type). */
export type DeadLetterItem = z.infer<typeof DeadLetterListSchema>['items'][number];

export const deadLetters: HttpFunctionDefinition = {
  ...BINDINGS.deadLetters,
  summary: 'Dead-lettered events with the reason each could not be delivered, a page at a time',
  tags: ['operations'],
  parameters: [
    {
      name: 'limit',
      in: 'query',
      description: `Records (blob store: blobs) per page, 1-1000 (default ${DEFAULT_LIMIT})`,
      schema: DeadLetterQuerySchema.shape.limit,
    },
    {
      name: 'cursor',
      in: 'query',
      description:
        'nextCursor of the previous page (opaque; it carries the page size, so it may be sent alone; a limit sent beside it must equal the first page’s)',
      schema: DeadLetterQuerySchema.shape.cursor,
    },
  ],
  responses: {
    200: {
      description: 'A page of dead letters, oldest record name first; nextCursor null on the last page',
      schema: DeadLetterListSchema,
    },
    ...problems(400, 401),
  },
  async handler(request, _context, deps) {
    const q = validate(DeadLetterQuerySchema, queryObject(request), 'query');
    let query = { limit: q.limit ?? DEFAULT_LIMIT };
    let after: string | undefined;
    if (q.cursor !== undefined) {
      const opened = decodeCursor(CURSOR_SCOPE, q.cursor, BoundListSchema);
      if (typeof opened.position !== 'string' || opened.position.length === 0) {
        throw new ValidationError([{ path: 'query.cursor', message: 'is not a cursor from this endpoint' }]);
      }
      query = queryOfRequest({ limit: q.limit }, opened.query)!;
      after = opened.position;
    }
    const page = await deps.deadLetters.listPage({ ...(after !== undefined ? { after } : {}), limit: query.limit });
    const items = page.items.map((d) => ({
      name: d.name,
      subscription: d.subscription,
      eventId: d.event.id,
      eventType: d.event.type,
      ...(d.event.subject ? { subject: d.event.subject } : {}),
      reason: d.reason,
      deliveryAttempts: d.deliveryAttempts,
      deadLetteredAt: d.deadLetteredAt,
    }));
    return {
      status: 200,
      jsonBody: { items, nextCursor: page.next === null ? null : encodeCursor(CURSOR_SCOPE, query, page.next) },
    };
  },
};

import { z } from 'zod';
import { MovieIdSchema, MovieSchema, toRepresentation } from '../shared/domain/movie';
import { NotFoundError, ValidationError } from '../shared/errors';
import { CursorParamSchema, decodeCursor, encodeCursor, queryOfRequest } from '../shared/http/cursor';
import { movieIdParam, params } from '../shared/http/headers';
import { FUNCTION_KEY_PARAM, queryNumber, queryObject, validate } from '../shared/http/request';
import { problems } from '../shared/http/responses';
import type { HttpFunctionDefinition } from '../shared/registry';
import { BINDINGS } from './bindings';

const limitValue = z.number().int().min(1).max(100);
const DEFAULT_LIMIT = 20;
const HistoryQuerySchema = z.strictObject({
  limit: queryNumber(limitValue, true).optional(),
  cursor: CursorParamSchema.optional(),
  ...FUNCTION_KEY_PARAM,
});

/** What a history cursor binds: the movie and the page size. */
const BoundHistorySchema = z.strictObject({ id: MovieIdSchema, limit: limitValue });
type BoundHistory = z.output<typeof BoundHistorySchema>;
const CURSOR_SCOPE = 'history';

const HistoryPageSchema = z
  .object({
    items: z.array(
      z.object({
        version: z.number().int(),
        type: z.enum(['MovieCreated', 'MovieUpdated', 'MovieDeleted']),
        occurredAt: z.string(),
        changed: z.array(z.string()),
        correlationId: z.string(),
        movie: MovieSchema,
      }),
    ),
    nextCursor: z.string().nullable(),
  })
  .meta({ id: 'MovieHistoryPage' });

export const movieHistory: HttpFunctionDefinition = {
  ...BINDINGS.movieHistory,
  summary: 'Versions of one movie from the write store, newest first, paged',
  tags: ['commands'],
  parameters: [
    params.id,
    {
      name: 'limit',
      in: 'query',
      description: `Page size 1-100 (default ${DEFAULT_LIMIT})`,
      schema: HistoryQuerySchema.shape.limit,
    },
    {
      name: 'cursor',
      in: 'query',
      description:
        'nextCursor of the previous page (opaque; it carries the page size, so it may be sent alone; a limit sent beside it must equal the first page’s)',
      schema: HistoryQuerySchema.shape.cursor,
    },
  ],
  responses: { 200: { description: 'A page of versions', schema: HistoryPageSchema }, ...problems(400, 401, 404) },
  async handler(request, _context, deps) {
    const id = movieIdParam(request);
    const p = validate(HistoryQuerySchema, queryObject(request), 'query');
    const given: Partial<BoundHistory> = { id, limit: p.limit };
    let query: BoundHistory = { id, limit: p.limit ?? DEFAULT_LIMIT };
    let beforeVersion: number | undefined;
    if (p.cursor !== undefined) {
      const opened = decodeCursor(CURSOR_SCOPE, p.cursor, BoundHistorySchema);
      const position = opened.position;
      if (typeof position !== 'number' || !Number.isSafeInteger(position) || position < 1) {
        throw new ValidationError([{ path: 'query.cursor', message: 'is not a cursor from this endpoint' }]);
      }
      query = queryOfRequest(given, opened.query, { id: 'path.id' })!;
      beforeVersion = position;
    }
    const events = await deps.eventStore.history(id, { limit: query.limit + 1, beforeVersion });
    if (events.length === 0 && beforeVersion === undefined) throw new NotFoundError(`Movie ${id} does not exist.`);
    const page = events.slice(0, query.limit);
    const last = page[page.length - 1];
    return {
      status: 200,
      jsonBody: {
        items: page.map((e) => ({
          version: e.version,
          type: e.type,
          occurredAt: e.metadata.occurredAt,
          changed: e.changed,
          correlationId: e.metadata.correlationId,
          movie: toRepresentation(e.state),
        })),
        nextCursor: events.length > query.limit && last ? encodeCursor(CURSOR_SCOPE, query, last.version) : null,
      },
    };
  },
};

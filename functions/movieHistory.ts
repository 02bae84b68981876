import { z } from 'zod';
import { registerFunction } from '../shared/composition';
import { MovieSchema, toRepresentation } from '../shared/domain/movie';
import { NotFoundError, ValidationError } from '../shared/errors';
import { movieIdParam, params } from '../shared/http/headers';
import { FUNCTION_KEY_PARAM, queryNumber, queryObject, validate } from '../shared/http/request';
import { problems } from '../shared/http/responses';

const HistoryQuerySchema = z.strictObject({
  limit: queryNumber(z.number().int().min(1).max(100)).default(20),
  cursor: z.string().max(100).optional(),
  ...FUNCTION_KEY_PARAM,
});

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

function decodeCursor(cursor: string): number {
  const version = Number(Buffer.from(cursor, 'base64url').toString('utf8').replace(/^v/, ''));
  if (!/^v[1-9][0-9]{0,14}$/.test(Buffer.from(cursor, 'base64url').toString('utf8')) || !Number.isSafeInteger(version)) {
    throw new ValidationError([{ path: 'query.cursor', message: 'is not a cursor from this endpoint' }]);
  }
  return version;
}

export const movieHistory = registerFunction({
  kind: 'http',
  name: 'movieHistory',
  route: 'movies/{id}/history',
  methods: ['GET'],
  authLevel: 'function',
  summary: 'Versions of one movie from the write store, newest first, paged',
  tags: ['commands'],
  parameters: [
    params.id,
    { name: 'limit', in: 'query', description: 'Page size 1-100 (default 20)', schema: HistoryQuerySchema.shape.limit },
    { name: 'cursor', in: 'query', description: 'nextCursor of the previous page', schema: z.string() },
  ],
  responses: { 200: { description: 'A page of versions', schema: HistoryPageSchema }, ...problems(400, 401, 404) },
  async handler(request, _context, deps) {
    const id = movieIdParam(request);
    const query = validate(HistoryQuerySchema, queryObject(request), 'query');
    const beforeVersion = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
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
        nextCursor: events.length > query.limit && last ? Buffer.from(`v${last.version}`).toString('base64url') : null,
      },
    };
  },
});

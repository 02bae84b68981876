import { z } from 'zod';
import { registerFunction } from '../shared/composition';
import { rejectQueryParameters } from '../shared/http/request';
import { problems } from '../shared/http/responses';

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
  })
  .meta({ id: 'DeadLetterList' });

export const deadLetters = registerFunction({
  kind: 'http',
  name: 'deadLetters',
  route: 'ops/dead-letters',
  methods: ['GET'],
  authLevel: 'admin',
  summary: 'Dead-lettered events with the reason each could not be delivered',
  tags: ['operations'],
  responses: { 200: { description: 'Dead letters, oldest first', schema: DeadLetterListSchema }, ...problems(400, 401) },
  async handler(request, _context, deps) {
    rejectQueryParameters(request);
    const items = (await deps.deadLetters.list()).map((d) => ({
      name: d.name,
      subscription: d.subscription,
      eventId: d.event.id,
      eventType: d.event.type,
      ...(d.event.subject ? { subject: d.event.subject } : {}),
      reason: d.reason,
      deliveryAttempts: d.deliveryAttempts,
      deadLetteredAt: d.deadLetteredAt,
    }));
    return { status: 200, jsonBody: { items } };
  },
});

import { z } from 'zod';
import { registerFunction } from '../shared/composition';
import { readJsonBody, rejectQueryParameters } from '../shared/http/request';
import { problems } from '../shared/http/responses';
import { redrive as redriveDeadLetters } from '../shared/operations/redrive';

const RedriveRequestSchema = z
  .strictObject({ names: z.array(z.string().min(1).max(300)).max(1000).optional() })
  .meta({ id: 'RedriveRequest' });

const RedriveReportSchema = z
  .object({ redriven: z.number().int(), failed: z.array(z.object({ name: z.string(), error: z.string() })) })
  .meta({ id: 'RedriveReport' });

export const redrive = registerFunction({
  kind: 'http',
  name: 'redrive',
  route: 'ops/dead-letters/redrive',
  methods: ['POST'],
  authLevel: 'admin',
  summary: 'Re-publishes dead-lettered events (all, or the named ones); they are applied idempotently',
  tags: ['operations'],
  requestBody: { contentTypes: ['application/json'], schema: RedriveRequestSchema },
  responses: { 200: { description: 'What was re-published', schema: RedriveReportSchema }, ...problems(400, 401, 413, 415) },
  async handler(request, context, deps) {
    rejectQueryParameters(request);
    const { names } = await readJsonBody(request, RedriveRequestSchema);
    return { status: 200, jsonBody: await redriveDeadLetters(deps, context, names) };
  },
});

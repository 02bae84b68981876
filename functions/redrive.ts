import { z } from 'zod';
import { accepted, acceptedDoc } from '../shared/http/jobs';
import { readJsonBody, rejectQueryParameters } from '../shared/http/request';
import { problems } from '../shared/http/responses';
import { startJob } from '../shared/operations/jobs';
import type { HttpFunctionDefinition } from '../shared/registry';
import { BINDINGS } from './bindings';

const RedriveRequestSchema = z
  .strictObject({ names: z.array(z.string().min(1).max(300)).max(1000).optional() })
  .meta({ id: 'RedriveRequest' });

export const redrive: HttpFunctionDefinition = {
  ...BINDINGS.redrive,
  summary: 'Re-publishes dead-lettered events (all, or the named ones); they are applied idempotently; a job',
  tags: ['operations'],
  requestBody: { contentTypes: ['application/json'], schema: RedriveRequestSchema },
  responses: { 202: acceptedDoc('The redrive'), ...problems(400, 401, 413, 415) },
  async handler(request, _context, deps) {
    rejectQueryParameters(request);
    const { names } = await readJsonBody(request, RedriveRequestSchema);
    return accepted(await startJob(deps, 'redrive', { origin: 'api', ...(names ? { names } : {}) }));
  },
};

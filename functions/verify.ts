import { accepted, acceptedDoc } from '../shared/http/jobs';
import { rejectQueryParameters } from '../shared/http/request';
import { problems } from '../shared/http/responses';
import { startJob } from '../shared/operations/jobs';
import type { HttpFunctionDefinition } from '../shared/registry';
import { BINDINGS } from './bindings';

export const verify: HttpFunctionDefinition = {
  ...BINDINGS.verify,
  summary:
    'Convergence check (every movie in the write store against its read-store document, every read-store document against the write store); a job',
  tags: ['operations'],
  responses: { 202: acceptedDoc('The check'), ...problems(400, 401, 503) },
  async handler(request, _context, deps) {
    rejectQueryParameters(request);
    return accepted(await startJob(deps, 'verify', { origin: 'api' }));
  },
};

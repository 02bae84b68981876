import { accepted, acceptedDoc } from '../shared/http/jobs';
import { rejectQueryParameters } from '../shared/http/request';
import { problems } from '../shared/http/responses';
import { startJob } from '../shared/operations/jobs';
import type { HttpFunctionDefinition } from '../shared/registry';
import { BINDINGS } from './bindings';

export const rebuild: HttpFunctionDefinition = {
  ...BINDINGS.rebuild,
  summary:
    'Rebuilds the read model from the write store into a new index and swaps the alias (zero downtime), then checks convergence; a job',
  description:
    'One rebuild runs at a time across every instance: a second one while a rebuild runs is refused with 409 naming the running job.',
  tags: ['operations'],
  responses: { 202: acceptedDoc('The rebuild'), ...problems(400, 401, 409, 503) },
  async handler(request, _context, deps) {
    rejectQueryParameters(request);
    return accepted(await startJob(deps, 'rebuild', { origin: 'api' }));
  },
};

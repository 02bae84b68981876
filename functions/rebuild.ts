import { z } from 'zod';
import { registerFunction } from '../shared/composition';
import { rejectQueryParameters } from '../shared/http/request';
import { problems } from '../shared/http/responses';
import { rebuildReadModel } from '../shared/operations/rebuild';
import { verifyConvergence } from '../shared/operations/verify';

const RebuildReportSchema = z
  .object({
    index: z.string(),
    previous: z.array(z.string()),
    loaded: z.number().int(),
    replayed: z.number().int(),
    seconds: z.number(),
    differences: z.number().int(),
  })
  .meta({ id: 'RebuildReport' });

export const rebuild = registerFunction({
  kind: 'http',
  name: 'rebuild',
  route: 'ops/rebuild',
  methods: ['POST'],
  authLevel: 'admin',
  summary: 'Rebuilds the read model from the write store into a new index and swaps the alias (zero downtime)',
  tags: ['operations'],
  responses: { 200: { description: 'The new index, counts, and the convergence check after it', schema: RebuildReportSchema }, ...problems(400, 401, 503) },
  async handler(request, context, deps) {
    rejectQueryParameters(request);
    const report = await rebuildReadModel(deps, (p) => p.phase !== 'load' && context.log(`rebuild: ${p.phase} (${p.done})`));
    const check = await verifyConvergence(deps);
    return { status: 200, jsonBody: { ...report, differences: check.differences.length } };
  },
});

import { z } from 'zod';
import { registerFunction } from '../shared/composition';
import { rejectQueryParameters } from '../shared/http/request';
import { problems } from '../shared/http/responses';
import { verifyConvergence } from '../shared/operations/verify';

const VerifyReportSchema = z
  .object({
    checked: z.number().int(),
    tombstones: z.number().int(),
    differences: z.array(
      z.object({ id: z.string(), problem: z.string(), expectedVersion: z.number().int().optional(), actualVersion: z.number().int().optional() }),
    ),
  })
  .meta({ id: 'VerifyReport' });

export const verify = registerFunction({
  kind: 'http',
  name: 'verify',
  route: 'ops/verify',
  methods: ['GET'],
  authLevel: 'admin',
  summary: 'Convergence check: every movie in the write store against its read-store document',
  tags: ['operations'],
  responses: { 200: { description: 'The differences (none when converged)', schema: VerifyReportSchema }, ...problems(400, 401, 503) },
  async handler(request, _context, deps) {
    rejectQueryParameters(request);
    return { status: 200, jsonBody: await verifyConvergence(deps) };
  },
});

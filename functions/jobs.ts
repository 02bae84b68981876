import { z } from 'zod';
import { NotFoundError } from '../shared/errors';
import { JobSchema } from '../shared/http/jobs';
import { rejectQueryParameters } from '../shared/http/request';
import { problems } from '../shared/http/responses';
import { advanceJobs, healReadModel, jobView } from '../shared/operations/jobs';
import type { HttpFunctionDefinition, TimerFunctionDefinition } from '../shared/registry';
import { BINDINGS } from './bindings';

const JobIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,100}$/, 'must be a job id (letters, digits, - and _)');
const JobIdParam = z
  .string()
  .min(1)
  .max(100)
  .describe('A job id (letters, digits, - and _); anything else names no job (404)');

export const getJob: HttpFunctionDefinition = {
  ...BINDINGS.getJob,
  summary: 'Status, progress and (once it succeeded) result of a rebuild, verify or redrive job',
  tags: ['operations'],
  parameters: [
    {
      name: 'id',
      in: 'path',
      required: true,
      description: 'The job id (from the 202 that started it)',
      schema: JobIdParam,
    },
  ],
  responses: {
    200: { description: 'The job', schema: JobSchema },
    ...problems(400, 401),
    404: { description: 'No such job', problem: true },
  },
  async handler(request, _context, deps) {
    rejectQueryParameters(request);
    // Like every {id} route: an id that cannot name a job is a 404, not a 400.
    const id = request.params.id ?? '';
    const found = JobIdSchema.safeParse(id).success ? await deps.jobs.get(id) : null;
    if (!found) throw new NotFoundError(`No job ${id}.`);
    return { status: 200, jsonBody: jobView(found.value) };
  },
};

export const jobs: TimerFunctionDefinition = {
  ...BINDINGS.jobs,
  summary:
    'Starts a rebuild when the read model is missing or empty while the write store holds movies; ' +
    'moves every running job (rebuild, verify, redrive) forward by bounded steps from its checkpoint',
  async handler(_timer, context, deps) {
    // A read store that cannot answer is not a missing one: healing waits for it, the jobs still move.
    await healReadModel(deps, context).catch((error: Error) =>
      context.warn(`jobs: read-model check skipped (${error.message})`),
    );
    const { steps, finished } = await advanceJobs(deps, context.invocationId, context);
    if (steps > 0 || finished > 0) context.log(`jobs: ${steps} step(s), ${finished} finished`);
  },
};

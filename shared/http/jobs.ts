/** The job resource of the operations endpoints: its schema, and the 202 that starts one. */
import type { HttpResponseInit } from '@azure/functions';
import { z } from 'zod';
import type { Job } from '../ports';
import { jobView } from '../operations/jobs';
import type { LinkDoc, ResponseDoc } from '../registry';

export const RebuildReportSchema = z
  .object({
    index: z.string(),
    previous: z.array(z.string()),
    loaded: z.number().int(),
    replayed: z.number().int(),
    seconds: z.number(),
    differences: z.number().int(),
  })
  .meta({ id: 'RebuildReport' });

export const VerifyReportSchema = z
  .object({
    checked: z.number().int(),
    tombstones: z.number().int(),
    differences: z.array(
      z.object({
        id: z.string(),
        problem: z.string(),
        expectedVersion: z.number().int().optional(),
        actualVersion: z.number().int().optional(),
      }),
    ),
    differenceCount: z.number().int(),
  })
  .meta({ id: 'VerifyReport' });

export const RedriveReportSchema = z
  .object({ redriven: z.number().int(), failed: z.array(z.object({ name: z.string(), error: z.string() })) })
  .meta({ id: 'RedriveReport' });

export const JobSchema = z
  .object({
    id: z.string(),
    kind: z.enum(['rebuild', 'verify', 'redrive']),
    status: z.enum(['running', 'succeeded', 'failed']),
    origin: z.string(),
    createdAt: z.string(),
    updatedAt: z.string(),
    steps: z.number().int(),
    progress: z.object({ phase: z.string(), done: z.number().int(), total: z.number().int().optional() }),
    result: z.union([RebuildReportSchema, VerifyReportSchema, RedriveReportSchema]).optional(),
    error: z.string().optional(),
  })
  .meta({ id: 'Job' });

export const jobLocation = (id: string) => `/api/ops/jobs/${encodeURIComponent(id)}`;

const JOB_LINKS: Readonly<Record<string, LinkDoc>> = {
  getJob: {
    operationId: 'getJob',
    description: 'Status and progress of the job',
    parameters: { id: '$response.body#/id' },
  },
};

/** The 202 of an operation that starts a job. */
export const acceptedDoc = (what: string): ResponseDoc => ({
  description: `${what} started as a job: its status and progress at Location (GET /api/ops/jobs/{id}), the result there once it succeeded`,
  schema: JobSchema,
  headers: { Location: 'The job: /api/ops/jobs/{id}' },
  links: JOB_LINKS,
});

export function accepted(job: Job): HttpResponseInit {
  return { status: 202, headers: { Location: jobLocation(job.id) }, jsonBody: jobView(job) };
}

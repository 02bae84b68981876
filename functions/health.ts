import { z } from 'zod';
import { withTimeout } from '../shared/concurrency';
import type { DependencyStatus } from '../shared/ports';
import type { HttpFunctionDefinition } from '../shared/registry';
import { BINDINGS } from './bindings';

const HealthSchema = z
  .object({
    status: z.enum(['healthy', 'degraded']),
    dependencies: z.record(z.string(), z.enum(['up', 'down', 'embedded', 'disabled'])),
  })
  .meta({ id: 'Health' });

const PROBE_TIMEOUT_MS = 2000;

function probe(check: () => Promise<DependencyStatus>): Promise<DependencyStatus> {
  return withTimeout(
    check().catch((): DependencyStatus => 'down'),
    PROBE_TIMEOUT_MS,
    'down',
  );
}

export const health: HttpFunctionDefinition = {
  ...BINDINGS.health,
  summary: 'Each dependency: up, down, embedded or disabled. 503 when one is down (a cache outage only degrades).',
  tags: ['operations'],
  responses: {
    200: {
      description: 'Every dependency answers (or the cache alone is down: queries degrade to the read store)',
      schema: HealthSchema,
    },
    503: { description: 'A store the system needs is down', schema: HealthSchema },
  },
  async handler(_request, _context, deps) {
    const [writeStore, topic, readStore, cache] = await Promise.all([
      probe(() => deps.eventStore.health()),
      probe(() => deps.publisher.health()),
      probe(async () => {
        const s = await deps.readStore.health();
        return s === 'up' && deps.readStore.kind === 'embedded' ? 'embedded' : s;
      }),
      probe(() => deps.cache.health()),
    ]);
    const dependencies = { writeStore, topic, readStore, cache };
    const essentialDown = [writeStore, topic, readStore].includes('down');
    return {
      status: essentialDown ? 503 : 200,
      jsonBody: { status: essentialDown || cache === 'down' ? 'degraded' : 'healthy', dependencies },
      headers: { 'Cache-Control': 'no-store' },
    };
  },
};

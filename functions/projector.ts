import { describeError, type EventGridFunctionDefinition } from '../shared/registry';
import { PoisonEventError, project } from '../shared/read-model/projection';
import { SpanKind, contextFromTraceparent, recordDeadLettered, withSpan } from '../shared/observability';
import { BINDINGS } from './bindings';

/**
 * The only writer of the read store, subscribed to the topic (see shared/topology.ts). Transient faults
 * throw so the delivery is retried; a poison event is dead-lettered here and acknowledged, so it never
 * blocks the events behind it.
 */
export const projector: EventGridFunctionDefinition = {
  ...BINDINGS.projector,
  summary: 'Projects movie events into the read store and invalidates the cache',
  async handler(event, context, deps) {
    try {
      const traceparent = typeof event?.traceparent === 'string' ? event.traceparent : undefined;
      const result = await withSpan(
        `project ${String(event?.type)}`,
        { 'cloudevents.event_id': String(event?.id) },
        () => project(event, deps),
        {
          kind: SpanKind.CONSUMER,
          parent: contextFromTraceparent(traceparent),
        },
      );
      context.log(`projected ${result.movieId} v${result.version}: ${result.outcome} (lag ${result.lagMs} ms)`);
    } catch (error) {
      if (!(error instanceof PoisonEventError)) throw error;
      await deps.deadLetters.put({
        subscription: 'projector',
        event,
        reason: `poison: ${error.message}`,
        deliveryAttempts: (context.retryContext?.retryCount ?? 0) + 1,
        deadLetteredAt: deps.clock().toISOString(),
        lastError: describeError(error),
      });
      recordDeadLettered('projector', 'poison');
      context.warn(`dead-lettered poison event ${String(event?.id)}: ${error.message}`);
    }
  },
};

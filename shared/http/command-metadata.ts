/**
 * What a command learns from its HTTP request: the time (from the clock), the correlation id (the one the
 * registry answers with) and the trace it belongs to.
 */
import type { HttpRequest, InvocationContext } from '@azure/functions';
import type { CommandMetadata } from '../domain/decider';
import { currentTraceparent } from '../observability';
import { correlationIdOf } from '../registry';

/** Command metadata from the request: time from the clock, correlation and trace from the headers. */
export function commandMetadata(
  request: HttpRequest,
  context: InvocationContext,
  now: Date,
  extra: { idempotencyKey?: string; requestHash?: string } = {},
): CommandMetadata {
  // The active request span when telemetry runs; else what the caller or the host passed in.
  const traceparent =
    currentTraceparent() ?? request.headers.get('traceparent') ?? context.traceContext?.traceParent ?? undefined;
  return {
    occurredAt: now.toISOString(),
    correlationId: correlationIdOf(request, context),
    ...(traceparent && /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/.test(traceparent) ? { traceparent } : {}),
    ...(extra.idempotencyKey ? { idempotencyKey: extra.idempotencyKey, requestHash: extra.requestHash } : {}),
  };
}

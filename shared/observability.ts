/**
 * Observability API used by the core: custom metrics, spans, and trace context carried across Event
 * Grid. Built on @opentelemetry/api, which is a no-op until the Application Insights SDK is started
 * (shared/telemetry.ts, only when a connection string is configured), so callers pay nothing otherwise.
 */
import {
  context,
  metrics,
  propagation,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
} from '@opentelemetry/api';

const meter = () => metrics.getMeter('movie-catalog');
const tracer = () => trace.getTracer('movie-catalog');

/** Commands by type and outcome (appended, unchanged, replayed, or the error status). */
export function recordCommand(type: string, outcome: string): void {
  meter().createCounter('catalog.commands', { description: 'Commands by type and outcome' }).add(1, { type, outcome });
}

/** Event time -> read-store write, per projected event. */
export function recordProjectionLag(ms: number, outcome: string): void {
  meter()
    .createHistogram('catalog.projection.lag', { unit: 'ms', description: 'Event time to read-store write' })
    .record(ms, { outcome });
}

/** One cache lookup: hit or miss (the hit ratio is hits / lookups). */
export function recordCacheLookup(endpoint: string, hit: boolean): void {
  meter()
    .createCounter('catalog.cache.lookups', { description: 'Cache lookups by endpoint and result' })
    .add(1, { endpoint, result: hit ? 'hit' : 'miss' });
}

export function recordRelayRepublished(count: number): void {
  if (count > 0)
    meter().createCounter('catalog.relay.republished', { description: 'Events re-published by the relay' }).add(count);
}

export function recordDeadLettered(subscription: string, reason: string): void {
  meter()
    .createCounter('catalog.deadletters', { description: 'Events dead-lettered' })
    .add(1, { subscription, reason });
}

/** Runs `fn` in a span (a dependency call, or an internal step); errors mark the span failed. */
export async function withSpan<T>(
  name: string,
  attributes: Attributes,
  fn: () => Promise<T>,
  options: { kind?: SpanKind; parent?: Context } = {},
): Promise<T> {
  return tracer().startActiveSpan(
    name,
    { kind: options.kind ?? SpanKind.CLIENT, attributes },
    options.parent ?? context.active(),
    async (span) => {
      try {
        return await fn();
      } catch (error) {
        span.recordException(error as Error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
        throw error;
      } finally {
        span.end();
      }
    },
  );
}

/** The context a W3C traceparent names (the command's trace, carried in the CloudEvent). */
export function contextFromTraceparent(traceparent: string | undefined): Context {
  if (!traceparent) return context.active();
  return propagation.extract(context.active(), { traceparent });
}

/** The current W3C traceparent, if a span is active. */
export function currentTraceparent(): string | undefined {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier.traceparent;
}

export { SpanKind };

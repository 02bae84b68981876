/**
 * Structured log lines: JSON with the correlation id and, inside a span, the trace id. The SDK is not
 * started in this worker; the span test installs a minimal context manager (what the SDK registers).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { ROOT_CONTEXT, TraceFlags, context, trace, type Context, type ContextManager } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatLogLine, structuredLogger } from '../../shared/logging';
import { SpanKind, withSpan } from '../../shared/observability';
import type { Logger } from '../../shared/ports';

/** The smallest working ContextManager, on AsyncLocalStorage. */
function asyncLocalContextManager(): ContextManager {
  const storage = new AsyncLocalStorage<Context>();
  const manager: ContextManager = {
    active: () => storage.getStore() ?? ROOT_CONTEXT,
    with: (ctx, fn, thisArg, ...args) => storage.run(ctx, (): ReturnType<typeof fn> => fn.call(thisArg, ...args)),
    bind: (ctx, target) =>
      (typeof target === 'function'
        ? (...args: unknown[]): unknown => manager.with(ctx, target as (...a: unknown[]) => unknown, undefined, ...args)
        : target) as typeof target,
    enable: () => manager,
    disable: () => {
      storage.disable();
      return manager;
    },
  };
  return manager;
}

beforeAll(() => {
  context.setGlobalContextManager(asyncLocalContextManager());
});
afterAll(() => {
  context.disable();
});

type Line = Record<string, unknown>;

function sink(): Logger & { lines: Array<[string, string]> } {
  const lines: Array<[string, string]> = [];
  return {
    lines,
    log: (line: unknown) => lines.push(['log', String(line)]),
    warn: (line: unknown) => lines.push(['warn', String(line)]),
    error: (line: unknown) => lines.push(['error', String(line)]),
  };
}

describe('structured logs', () => {
  it('given no active span, a line carries time, level, message and the fields, and no trace id', () => {
    const line: Line = JSON.parse(
      formatLogLine(
        'info',
        'projected m1 v2',
        { correlationId: 'c-1', movieId: 'm1', level: 'spoofed' },
        new Date('2024-01-02T03:04:05Z'),
      ),
    );
    expect(line).toEqual({
      time: '2024-01-02T03:04:05.000Z',
      level: 'info',
      message: 'projected m1 v2',
      correlationId: 'c-1',
      movieId: 'm1',
    });
  });

  it('given an active span, a line carries its trace id and span id', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const parent = trace.setSpanContext(ROOT_CONTEXT, {
      traceId,
      spanId: '00f067aa0ba902b7',
      traceFlags: TraceFlags.SAMPLED,
      isRemote: true,
    });
    const line = await withSpan('project', {}, async (): Promise<Line> => JSON.parse(formatLogLine('warn', 'slow')), {
      kind: SpanKind.CONSUMER,
      parent,
    });
    expect(line.traceId).toBe(traceId);
    expect(line.spanId).toMatch(/^[0-9a-f]{16}$/);
  });

  it('a structured logger maps strings to the message, objects to fields, errors to error, and keeps bound fields', () => {
    const out = sink();
    const logger = structuredLogger(out, { correlationId: 'c-9' });
    logger.error('createMovie failed', { status: 500 }, new Error('boom'));
    logger.warn('retrying', 3);
    expect(out.lines.map(([level]) => level)).toEqual(['error', 'warn']);
    const [first, second] = out.lines.map(([, line]): Line => JSON.parse(line));
    expect(first).toMatchObject({
      level: 'error',
      message: 'createMovie failed',
      correlationId: 'c-9',
      status: 500,
      error: { name: 'Error', message: 'boom' },
    });
    expect(second).toMatchObject({ level: 'warn', message: 'retrying 3', correlationId: 'c-9' });
  });
});

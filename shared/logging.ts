/**
 * Structured logs: one JSON object per line, carrying the trace id and span id of the active span (so a
 * line joins its App Insights operation) and the correlation id when the caller knows it. With
 * telemetry off there is no context manager, so no active span: lines then carry the correlation id
 * alone (which is the caller's trace id when it sent a traceparent; see correlationIdOf).
 */
import { isSpanContextValid, trace } from '@opentelemetry/api';
import type { Logger } from './ports';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Fields of a log line; `correlationId` is the one every request-scoped line should carry. */
export interface LogFields {
  readonly correlationId?: string;
  readonly [name: string]: unknown;
}

const RESERVED = new Set(['time', 'level', 'message', 'traceId', 'spanId']);

function jsonSafe(_key: string, value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message };
  if (typeof value === 'bigint') return value.toString();
  return value;
}

/** One log line as JSON: time, level, message, traceId/spanId of the active span when there is one, then the fields. */
export function formatLogLine(
  level: LogLevel,
  message: string,
  fields: LogFields = {},
  now: Date = new Date(),
): string {
  const spanContext = trace.getActiveSpan()?.spanContext();
  const traceFields =
    spanContext && isSpanContextValid(spanContext) ? { traceId: spanContext.traceId, spanId: spanContext.spanId } : {};
  const extra = Object.fromEntries(
    Object.entries(fields).filter(([name, value]) => !RESERVED.has(name) && value !== undefined),
  );
  return JSON.stringify({ time: now.toISOString(), level, message, ...traceFields, ...extra }, jsonSafe);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Error);
}

/**
 * A Logger (the port the host and adapters log through) that writes JSON lines to `sink`. Arguments
 * map the way the code already logs: strings make the message, plain objects become fields, an Error
 * becomes `error`. `bound` fields (e.g. `{ correlationId }`) go on every line.
 */
export function structuredLogger(sink: Logger, bound: LogFields = {}): Logger {
  const write =
    (level: LogLevel, emit: (line: string) => void) =>
    (...args: unknown[]) => {
      const words: string[] = [];
      const fields: Record<string, unknown> = { ...bound };
      for (const arg of args) {
        if (isPlainObject(arg)) Object.assign(fields, arg);
        else if (arg instanceof Error) fields.error = arg;
        else words.push(typeof arg === 'string' ? arg : JSON.stringify(arg, jsonSafe));
      }
      emit(formatLogLine(level, words.join(' '), fields));
    };
  return {
    log: write('info', (line) => sink.log(line)),
    warn: write('warn', (line) => sink.warn(line)),
    error: write('error', (line) => sink.error(line)),
  };
}

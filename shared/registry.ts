/**
 * ONE registry of the app's functions. Each function file declares a definition (name, trigger, route,
 * methods, auth level, schedule, schemas, handler); functions/all.ts lists them. The Azure entry
 * (functions/index.ts) hands each to `register`, which passes it to `app.*` for the Azure Functions host;
 * the same definitions feed the local host and the OpenAPI document. Handlers receive their dependencies
 * as a parameter and never know where they run.
 */
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext, type Timer } from '@azure/functions';
import type { ZodType } from 'zod';
import type { CloudEventEnvelope, Deps } from './ports';
import type { LinkDoc, ParameterDoc, ResponseDoc } from './http/docs';
import { toProblem } from './http/problem';

// The documentation vocabulary is part of a definition's; its own module keeps the HTTP helpers off the registry.
export type { LinkDoc, ParameterDoc, ResponseDoc };

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD';
export type AuthLevel = 'anonymous' | 'function' | 'admin';

export interface HttpFunctionDefinition {
  readonly kind: 'http';
  readonly name: string;
  /** Route below /api, with {param} placeholders, e.g. `movies/{id}`. */
  readonly route: string;
  readonly methods: readonly HttpMethod[];
  readonly authLevel: AuthLevel;
  readonly summary: string;
  /** Rules OpenAPI cannot state (e.g. one of two headers required). */
  readonly description?: string;
  readonly tags: readonly string[];
  readonly parameters?: readonly ParameterDoc[];
  /** The same schema that validates the body documents it. */
  readonly requestBody?: {
    readonly contentTypes: readonly string[];
    readonly schema: ZodType;
    readonly description?: string;
  };
  readonly responses: Readonly<Record<number, ResponseDoc>>;
  readonly handler: (request: HttpRequest, context: InvocationContext, deps: Deps) => Promise<HttpResponseInit>;
}

export interface EventGridFunctionDefinition {
  readonly kind: 'eventGrid';
  readonly name: string;
  readonly summary: string;
  /** Throws to have the delivery retried (transient faults). */
  readonly handler: (event: CloudEventEnvelope, context: InvocationContext, deps: Deps) => Promise<void>;
}

export interface TimerFunctionDefinition {
  readonly kind: 'timer';
  readonly name: string;
  readonly summary: string;
  /** NCRONTAB with seconds: `sec min hour day month weekday`. */
  readonly schedule: string;
  readonly handler: (timer: Timer, context: InvocationContext, deps: Deps) => Promise<void>;
}

export type FunctionDefinition = HttpFunctionDefinition | EventGridFunctionDefinition | TimerFunctionDefinition;

/** A definition's trigger: what the Azure host fixes when the app loads (functions/bindings.ts). */
export type FunctionBinding =
  | Pick<HttpFunctionDefinition, 'kind' | 'name' | 'route' | 'methods' | 'authLevel'>
  | Pick<EventGridFunctionDefinition, 'kind' | 'name'>
  | Pick<TimerFunctionDefinition, 'kind' | 'name' | 'schedule'>;

/** The trigger of a definition, field by field (what registration uses of it). */
export function bindingOf(definition: FunctionDefinition): FunctionBinding {
  switch (definition.kind) {
    case 'http': {
      const { kind, name, route, methods, authLevel } = definition;
      return { kind, name, route, methods, authLevel };
    }
    case 'eventGrid':
      return { kind: definition.kind, name: definition.name };
    case 'timer':
      return { kind: definition.kind, name: definition.name, schedule: definition.schedule };
  }
}

/** Response header carrying the correlation id of every HTTP invocation. */
export const CORRELATION_HEADER = 'X-Correlation-Id';

/** A caller's correlation id is kept only when it is this safe to echo and log. */
export function isCorrelationId(value: unknown): value is string {
  return typeof value === 'string' && /^[A-Za-z0-9._:-]{1,128}$/.test(value);
}

/** A response with the correlation header added to its own headers. */
export function withCorrelation(response: HttpResponseInit, correlationId: string): HttpResponseInit {
  return {
    ...response,
    headers: { ...(response.headers as Record<string, string> | undefined), [CORRELATION_HEADER]: correlationId },
  };
}

/** Correlation id of a request: the caller's, else the trace id, else the invocation id. */
export function correlationIdOf(request: HttpRequest, context: InvocationContext): string {
  const given = request.headers.get('x-correlation-id');
  if (isCorrelationId(given)) return given;
  const traceparent = request.headers.get('traceparent');
  const traceId = traceparent?.split('-')[1];
  if (traceId && /^[0-9a-f]{32}$/.test(traceId)) return traceId;
  return context.invocationId;
}

/**
 * Runs an HTTP definition: the handler, then the ONE error mapper for anything it throws. Used by both
 * hosts, so a problem response looks the same in Azure and locally.
 */
export async function invokeHttp(
  definition: HttpFunctionDefinition,
  request: HttpRequest,
  context: InvocationContext,
  deps: Deps,
): Promise<HttpResponseInit> {
  const correlationId = correlationIdOf(request, context);
  let response: HttpResponseInit;
  try {
    response = await definition.handler(request, context, deps);
  } catch (error) {
    response = toProblem(error, correlationId);
    if ((response.status ?? 500) >= 500)
      context.error(`${definition.name} failed`, { correlationId, error: describeError(error) });
  }
  return withCorrelation(response, correlationId);
}

export function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** Where a registration gets its dependencies: the Azure composition root, created on first use. */
export type DepsProvider = () => Promise<Deps>;

/**
 * True inside the Azure Functions worker, which provides `@azure/functions-core` (the same probe the
 * @azure/functions library makes). Outside it the library is in "test mode" and skips registrations.
 */
function insideFunctionsHost(): boolean {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require('@azure/functions-core');
    return true;
  } catch {
    return false;
  }
}

/** Loads the definition a binding registered (on first invocation: functions/index.ts). */
export type DefinitionLoader = (name: string) => Promise<FunctionDefinition>;

/** The definition of `binding` from `load`, checked to be of the kind the host registered. */
async function definitionFor<K extends FunctionDefinition['kind']>(
  binding: FunctionBinding & { kind: K },
  load: DefinitionLoader,
): Promise<FunctionDefinition & { kind: K }> {
  const definition = await load(binding.name);
  if (definition.kind !== binding.kind)
    throw new Error(`${binding.name}: registered as ${binding.kind}, defined as ${definition.kind}`);
  return definition as FunctionDefinition & { kind: K };
}

/**
 * Registers a function's trigger with the Azure Functions host; its definition (schemas, handler) is
 * loaded on the first invocation, together with the dependencies. Outside the host (local host, tests)
 * a no-op.
 */
export function register(binding: FunctionBinding, load: DefinitionLoader, deps: DepsProvider): void {
  if (!insideFunctionsHost()) return;
  switch (binding.kind) {
    case 'http':
      app.http(binding.name, {
        route: binding.route,
        methods: [...binding.methods],
        authLevel: binding.authLevel,
        handler: async (request, context) => {
          const [definition, resolved] = await Promise.all([definitionFor(binding, load), deps()]);
          return invokeHttp(definition, request, context, resolved);
        },
      });
      break;
    case 'eventGrid':
      app.eventGrid(binding.name, {
        handler: async (event, context) => {
          const [definition, resolved] = await Promise.all([definitionFor(binding, load), deps()]);
          await definition.handler(event as unknown as CloudEventEnvelope, context, resolved);
        },
      });
      break;
    case 'timer':
      app.timer(binding.name, {
        schedule: binding.schedule,
        handler: async (timer, context) => {
          const [definition, resolved] = await Promise.all([definitionFor(binding, load), deps()]);
          await definition.handler(timer, context, resolved);
        },
      });
      break;
    default: {
      const unknown: never = binding;
      throw new Error(`unknown function kind ${JSON.stringify(unknown)}`);
    }
  }
}

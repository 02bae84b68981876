/**
 * The local Functions host. Azure Functions Core Tools cannot run here, so this host loads the same
 * function definitions and serves them like the Azure host does: every HTTP function at /api/<route>
 * with real HttpRequest / InvocationContext objects and auth levels enforced; the local Event Grid topic
 * delivering to the subscribed functions; timer functions on their schedules. Embedded services stand in
 * for whatever the configuration does not point at.
 */
import { createHash, createHmac, randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpRequest, InvocationContext, type HttpResponseInit } from '@azure/functions';
import { Cron } from 'croner';
import type { Config } from '../config';
import { createDeps, type ServiceDescription } from '../composition';
import { PROBLEM_CONTENT_TYPE, problemResponse, problemType } from '../http/problem';
import type { Deps, Logger } from '../ports';
import {
  CORRELATION_HEADER,
  invokeHttp,
  type EventGridFunctionDefinition,
  type FunctionDefinition,
  type HttpFunctionDefinition,
  type TimerFunctionDefinition,
} from '../registry';
import { topology } from '../topology';
import { startTelemetry, stopTelemetry } from '../telemetry';
import { SpanKind, contextFromTraceparent, withSpan } from '../observability';
import { trace } from '@opentelemetry/api';
import { startEmbeddedCosmos, type EmbeddedCosmos } from './cosmos';
import { LocalTopic, MAX_BATCH_BYTES, PublishRejected, TOPIC_PATH, keyMatches } from './topic';

/** Largest request body the host buffers (functions apply their own, smaller limits). */
export const HOST_MAX_BODY_BYTES = 4 * 1024 * 1024;

export interface LocalHostKeys {
  /** Host key: valid for every function-level function. */
  readonly host: string;
  /** Master key: valid everywhere, and the only key for admin-level functions. */
  readonly master: string;
  /** Per-function keys: each valid for its own function only. */
  readonly functions: Readonly<Record<string, string>>;
  readonly topic: string;
}

export interface LocalHost {
  readonly url: string;
  readonly port: number;
  readonly keys: LocalHostKeys;
  readonly topic: LocalTopic;
  readonly topicEndpoint: string;
  readonly deps: Deps;
  readonly services: readonly ServiceDescription[];
  readonly functions: readonly FunctionDefinition[];
  /** Runs a timer function now (tests; the schedule runs it too). */
  runTimer(name: string): Promise<void>;
  stop(): Promise<void>;
}

export interface LocalHostOptions {
  readonly config: Config;
  readonly functions: readonly FunctionDefinition[];
  readonly logger?: Logger;
  readonly overrides?: Partial<Deps>;
  /** Run timer functions on their schedules (default true). */
  readonly timers?: boolean;
  /** Where the host listens (default 127.0.0.1; PORT from config). */
  readonly hostname?: string;
}

interface CompiledRoute {
  readonly definition: HttpFunctionDefinition;
  readonly pattern: RegExp;
  readonly names: readonly string[];
}

export function compileRoute(definition: HttpFunctionDefinition): CompiledRoute {
  const names: string[] = [];
  const source = definition.route
    .split('/')
    .map((segment) => {
      const param = /^\{([A-Za-z_][A-Za-z0-9_]*)\??\}$/.exec(segment);
      if (param) {
        names.push(param[1]!);
        return '([^/]+)';
      }
      return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('/');
  return { definition, pattern: new RegExp(`^/api/${source}/?$`, 'i'), names };
}

/** Per-function key: derived from the host key, so it is stable for a given FUNCTION_KEY. */
export function functionKey(hostKey: string, functionName: string): string {
  return createHmac('sha256', hostKey).update(functionName).digest('base64url').slice(0, 40);
}

export function isAuthorized(definition: HttpFunctionDefinition, given: string | null, keys: LocalHostKeys): boolean {
  if (definition.authLevel === 'anonymous') return true;
  if (keyMatches(given, keys.master)) return true;
  if (definition.authLevel === 'admin') return false;
  const own = keys.functions[definition.name];
  return keyMatches(given, keys.host) || (own !== undefined && keyMatches(given, own));
}

class BodyTooLarge extends Error {}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new BodyTooLarge());
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

async function writeResponse(res: ServerResponse, response: HttpResponseInit): Promise<void> {
  const headers = new Headers(response.headers);
  let body: Buffer | string | undefined;
  if (response.jsonBody !== undefined) {
    body = JSON.stringify(response.jsonBody);
    if (!headers.has('content-type')) headers.set('content-type', 'application/json; charset=utf-8');
  } else if (typeof response.body === 'string') {
    body = response.body;
    if (!headers.has('content-type')) headers.set('content-type', 'text/plain; charset=utf-8');
  } else if (response.body instanceof Uint8Array || Buffer.isBuffer(response.body)) {
    body = Buffer.from(response.body as Uint8Array);
  } else if (response.body !== undefined && response.body !== null) {
    body = Buffer.from(await new Response(response.body as ConstructorParameters<typeof Response>[0]).arrayBuffer());
  }
  const status = response.status ?? 200;
  res.statusCode = status;
  headers.forEach((value, name) => res.setHeader(name, value));
  if (body !== undefined && status !== 204 && status !== 304) {
    res.setHeader('content-length', Buffer.byteLength(body));
    res.end(body);
  } else {
    res.end();
  }
}

/** The correlation id of a request the host answers itself: the caller's when valid, else a new one. */
function hostCorrelationId(req: IncomingMessage | undefined): string {
  const given = req?.headers['x-correlation-id'];
  return typeof given === 'string' && /^[A-Za-z0-9._:-]{1,128}$/.test(given) ? given : randomUUID();
}

/** A problem the host answers itself, with `instance` and the correlation header like every other problem. */
function problem(
  res: ServerResponse,
  status: number,
  title: string,
  detail: string,
  headers: Record<string, string> = {},
  req?: IncomingMessage,
): Promise<void> {
  const correlationId = hostCorrelationId(req);
  return writeResponse(
    res,
    problemResponse(
      status,
      title,
      detail,
      { instance: `urn:correlation:${correlationId}` },
      { ...headers, [CORRELATION_HEADER]: correlationId },
    ),
  );
}

/**
 * Requests Node's HTTP parser rejects before any handler runs (bad bytes in a header value, a malformed
 * request line, oversized headers) get the same problem+json as every other error, on the raw socket.
 */
export function rawProblem(error: NodeJS.ErrnoException & { code?: string }): string {
  const tooLarge = error.code === 'HPE_HEADER_OVERFLOW';
  const status = tooLarge ? 431 : 400;
  const title = tooLarge ? 'Request header fields too large' : 'Malformed request';
  const detail = tooLarge
    ? 'The request headers are too large.'
    : `The request could not be parsed (${error.code ?? 'parse error'}): a header name or value holds characters HTTP does not allow, or the request line is malformed.`;
  const correlationId = randomUUID();
  const body = JSON.stringify({
    type: problemType(status),
    title,
    status,
    detail,
    instance: `urn:correlation:${correlationId}`,
  });
  return (
    `HTTP/1.1 ${status} ${title}\r\nContent-Type: ${PROBLEM_CONTENT_TYPE}\r\n${CORRELATION_HEADER}: ${correlationId}\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`
  );
}

export async function startLocalHost(options: LocalHostOptions): Promise<LocalHost> {
  const { config, functions } = options;
  const logger = options.logger ?? console;
  // Application Insights only when a connection string is set (it costs ~1 s to load otherwise).
  const telemetry = await startTelemetry(config);
  // Requests that arrive while the host is still starting wait for it instead of hanging unanswered.
  let handle: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  const waiting: Array<() => void> = [];
  const server: Server = createServer({ keepAlive: true }, (req, res) => {
    if (handle) handle(req, res);
    else waiting.push(() => handle?.(req, res));
  });
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    if (error.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    socket.end(rawProblem(error));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, options.hostname ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${options.hostname && options.hostname !== '0.0.0.0' ? options.hostname : '127.0.0.1'}:${port}`;

  let cosmos: EmbeddedCosmos | undefined;
  let composition: Awaited<ReturnType<typeof createDeps>> | undefined;
  const timers: Cron[] = [];
  let topic: LocalTopic | undefined;
  try {
    const hostKey = config.keys.function ?? randomBytes(24).toString('base64url');
    const httpDefs = functions.filter((f): f is HttpFunctionDefinition => f.kind === 'http');
    const keys: LocalHostKeys = {
      host: hostKey,
      master: config.keys.master ?? randomBytes(24).toString('base64url'),
      functions: Object.fromEntries(
        httpDefs.filter((d) => d.authLevel === 'function').map((d) => [d.name, functionKey(hostKey, d.name)]),
      ),
      topic: config.eventGrid.key ?? randomBytes(24).toString('base64url'),
    };

    if (!config.cosmos.endpoint && !options.overrides?.eventStore) cosmos = await startEmbeddedCosmos();
    const localTopicEndpoint = `${url}${TOPIC_PATH}`;
    const topicEndpoint = config.eventGrid.endpoint ?? localTopicEndpoint;
    const effective: Config = {
      ...config,
      cosmos: cosmos ? { ...config.cosmos, endpoint: cosmos.endpoint, key: cosmos.key } : config.cosmos,
      eventGrid: { endpoint: topicEndpoint, key: keys.topic },
    };
    composition = await createDeps(effective, {
      mode: 'local',
      logger,
      embedded: { cosmos: cosmos !== undefined, topic: topicEndpoint === localTopicEndpoint },
      overrides: options.overrides,
    });
    const deps = composition.deps;

    const localTopic = new LocalTopic({
      subscriptions: topology.subscriptions,
      functions: functions.filter((f): f is EventGridFunctionDefinition => f.kind === 'eventGrid'),
      deps: () => deps,
      backoffMs: config.local.eventGridBackoffMs,
      logger,
      maxConcurrency: 64,
      // Durable like Event Grid, but only where the write store outlives this process: replaying a
      // journal into fresh in-memory stores would invent movies nobody can see in the write store.
      journalDir: cosmos ? undefined : join(config.local.topicJournalDir, journalScope(effective)),
    });
    if (localTopic.recovered > 0)
      logger.log(`topic: resumed ${localTopic.recovered} pending deliveries from the journal`);
    topic = localTopic;
    const routes = httpDefs.map(compileRoute);
    const timerDefs = functions.filter((f): f is TimerFunctionDefinition => f.kind === 'timer');

    const runTimer = async (definition: TimerFunctionDefinition) => {
      const context = new InvocationContext({
        functionName: definition.name,
        invocationId: randomUUID(),
        logHandler: contextLog(logger, true),
      });
      const now = new Date().toISOString();
      try {
        await definition.handler(
          {
            isPastDue: false,
            schedule: { adjustForDST: true },
            scheduleStatus: { last: now, next: now, lastUpdated: now },
          },
          context,
          deps,
        );
      } catch (error) {
        logger.error(`timer ${definition.name} failed: ${(error as Error).message}`);
      }
    };
    if (options.timers ?? true) {
      for (const definition of timerDefs) {
        timers.push(
          new Cron(resolveSchedule(definition.schedule, effective), { protect: true }, () => runTimer(definition)),
        );
      }
    }

    const handleTopic = async (req: IncomingMessage, res: ServerResponse) => {
      if (req.method !== 'POST')
        return problem(res, 405, 'Method not allowed', 'The topic accepts POST only.', { Allow: 'POST' }, req);
      if (!keyMatches(req.headers['aeg-sas-key'] as string | undefined, keys.topic)) {
        return problem(res, 401, 'Unauthorized', 'The aeg-sas-key header is missing or wrong.', {}, req);
      }
      let body: unknown;
      try {
        body = JSON.parse((await readBody(req, MAX_BATCH_BYTES)).toString('utf8'));
      } catch (error) {
        if (error instanceof BodyTooLarge) return problem(res, 413, 'Payload too large', 'A batch is limited to 1 MB.');
        return problem(res, 400, 'Malformed JSON', 'The batch is not valid JSON.');
      }
      try {
        localTopic.accept(body);
      } catch (error) {
        if (error instanceof PublishRejected)
          return problem(
            res,
            error.status,
            error.status === 503 ? 'Service unavailable' : 'Invalid event',
            error.message,
          );
        throw error;
      }
      res.statusCode = 200;
      res.end();
    };

    const handleHttp = async (req: IncomingMessage, res: ServerResponse) => {
      const requestUrl = new URL(req.url ?? '/', url);
      if (requestUrl.pathname === TOPIC_PATH) return handleTopic(req, res);
      const matches = routes
        .map((route) => ({ route, match: route.pattern.exec(requestUrl.pathname) }))
        .filter((m): m is { route: CompiledRoute; match: RegExpExecArray } => m.match !== null);
      if (matches.length === 0)
        return problem(res, 404, 'Not found', `No function serves ${requestUrl.pathname}.`, {}, req);
      const method = (req.method ?? 'GET').toUpperCase();
      const hit = matches.find((m) => m.route.definition.methods.includes(method as never));
      if (!hit) {
        const allow = [...new Set(matches.flatMap((m) => m.route.definition.methods))].join(', ');
        return problem(res, 405, 'Method not allowed', `${method} is not supported here.`, { Allow: allow }, req);
      }
      const { definition, names } = hit.route;
      const given = (req.headers['x-functions-key'] as string | undefined) ?? requestUrl.searchParams.get('code');
      if (!isAuthorized(definition, given, keys)) {
        const detail =
          definition.authLevel === 'admin'
            ? 'The master key is required (x-functions-key header or code query parameter): this is an operations endpoint.'
            : 'A valid function key is required (x-functions-key header or code query parameter).';
        return problem(res, 401, 'Unauthorized', detail, {}, req);
      }
      let body: Buffer;
      try {
        body = await readBody(req, HOST_MAX_BODY_BYTES);
      } catch (error) {
        if (error instanceof BodyTooLarge)
          return problem(
            res,
            413,
            'Payload too large',
            `The host accepts bodies up to ${HOST_MAX_BODY_BYTES} bytes.`,
            {},
            req,
          );
        throw error;
      }
      const params = Object.fromEntries(names.map((n, i) => [n, safeDecode(hit.match[i + 1] ?? '')]));
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers)) {
        if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
      }
      let request: HttpRequest;
      try {
        request = new HttpRequest({
          method,
          url: requestUrl.toString(),
          headers,
          params,
          ...(body.length > 0 ? { body: { bytes: body } } : {}),
        });
      } catch (error) {
        // A header value the Fetch API refuses (the parser let it through): bad input, not a fault.
        return problem(
          res,
          400,
          'Malformed request',
          `A header value is not allowed: ${(error as Error).message}`,
          {},
          req,
        );
      }
      const context = new InvocationContext({
        functionName: definition.name,
        invocationId: randomUUID(),
        logHandler: contextLog(logger),
      });
      // As the Azure host does: one server span (an App Insights request) per invocation, continuing the caller's trace.
      const response = await withSpan(
        `${method} /api/${definition.route}`,
        { 'http.request.method': method, 'http.route': `/api/${definition.route}`, 'faas.name': definition.name },
        async () => {
          const answer = await invokeHttp(definition, request, context, deps);
          trace
            .getActiveSpan()
            ?.setAttributes({ 'http.response.status_code': answer.status ?? 200, 'url.full': requestUrl.toString() });
          return answer;
        },
        { kind: SpanKind.SERVER, parent: contextFromTraceparent(headers.traceparent) },
      );
      await writeResponse(res, response);
    };

    handle = (req: IncomingMessage, res: ServerResponse) => {
      handleHttp(req, res).catch((error: unknown) => {
        logger.error(`host: ${(error as Error).stack ?? String(error)}`);
        if (!res.headersSent) {
          void problem(res, 500, 'Internal error', 'The host failed; it has been logged.', {}, req);
        } else res.destroy();
      });
    };
    for (const resume of waiting.splice(0)) resume();

    const comp = composition;
    const services = telemetry
      ? [
          ...comp.services,
          {
            port: 'telemetry' as const,
            kind: 'Application Insights',
            target: new URL(
              /IngestionEndpoint=([^;]+)/.exec(config.appInsightsConnectionString ?? '')?.[1] ??
                'https://dc.services.visualstudio.com',
            ).host,
          },
        ]
      : comp.services;
    return {
      url,
      port,
      keys,
      topic: localTopic,
      topicEndpoint,
      deps,
      services,
      functions,
      async runTimer(name) {
        const definition = timerDefs.find((t) => t.name === name);
        if (!definition) throw new Error(`no timer function ${name}`);
        await runTimer(definition);
      },
      async stop() {
        for (const t of timers) t.stop();
        localTopic.stop();
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await comp.close();
        await cosmos?.close();
        if (telemetry) await stopTelemetry();
      },
    };
  } catch (error) {
    for (const t of timers) t.stop();
    topic?.stop();
    server.closeAllConnections();
    server.close();
    await composition?.close();
    await cosmos?.close();
    throw error;
  }
}

/** One journal per write store: a host must never resume deliveries that belong to another system. */
function journalScope(config: Config): string {
  const { endpoint, database, container } = config.cosmos;
  return createHash('sha256')
    .update(`${endpoint ?? 'overridden'}|${database}|${container}`)
    .digest('hex')
    .slice(0, 16);
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

function contextLog(logger: Logger, info = false) {
  return (level: string, ...args: unknown[]) => {
    if (level === 'error' || level === 'critical') logger.error(...args);
    else if (level === 'warning') logger.warn(...args);
    else if (info || process.env.LOG_LEVEL === 'debug') logger.log(...args);
  };
}

/** `%NAME%` in a schedule names an app setting, as in Azure; the local host resolves it from config. */
export function resolveSchedule(schedule: string, config: Config): string {
  const settings: Record<string, string> = {
    RELAY_SCHEDULE: config.relay.schedule,
    JOBS_SCHEDULE: config.jobs.schedule,
  };
  return schedule.replace(/^%([A-Za-z0-9_]+)%$/, (whole, name: string) => {
    const value = settings[name];
    if (value === undefined) throw new Error(`timer schedule ${whole}: no setting ${name}`);
    return value;
  });
}

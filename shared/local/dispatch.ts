/**
 * What the local host does with one request: the topic's publish endpoint, or route, authorize, read the
 * body, invoke the function inside a server span (an App Insights request, as the Azure host records it)
 * and write its response. Whatever is refused or fails on the way becomes a problem through the one
 * mapper; a failure that is not a typed error is logged (its details stay out of the response).
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { trace } from '@opentelemetry/api';
import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import { AppError } from '../errors';
import { SpanKind, contextFromTraceparent, withSpan } from '../observability';
import type { Deps, Logger } from '../ports';
import { invokeHttp, type HttpFunctionDefinition } from '../registry';
import { authorize, presentedKey, type LocalHostKeys } from './auth';
import { invocationContext } from './context';
import { HOST_MAX_BODY_BYTES, readBody, requestHeaders, toHttpRequest, writeResponse } from './exchange';
import { writeProblem } from './problems';
import type { Router } from './router';
import { TOPIC_PATH } from './topic';

export interface DispatchOptions {
  /** The host's base URL (request URLs are resolved against it). */
  readonly baseUrl: string;
  readonly router: Router;
  readonly keys: LocalHostKeys;
  readonly topic: (req: IncomingMessage, res: ServerResponse) => Promise<void>;
  readonly deps: Deps;
  readonly logger: Logger;
}

/** One invocation, continuing the caller's trace (traceparent) in a SERVER span named after the route. */
function invokeInSpan(
  definition: HttpFunctionDefinition,
  request: HttpRequest,
  deps: Deps,
  logger: Logger,
): Promise<HttpResponseInit> {
  const method = request.method;
  const route = `/api/${definition.route}`;
  return withSpan(
    `${method} ${route}`,
    { 'http.request.method': method, 'http.route': route, 'faas.name': definition.name },
    async () => {
      const answer = await invokeHttp(definition, request, invocationContext(definition.name, logger), deps);
      trace
        .getActiveSpan()
        ?.setAttributes({ 'http.response.status_code': answer.status ?? 200, 'url.full': request.url });
      return answer;
    },
    { kind: SpanKind.SERVER, parent: contextFromTraceparent(request.headers.get('traceparent') ?? undefined) },
  );
}

export function createDispatcher(options: DispatchOptions): RequestListener {
  const { baseUrl, router, keys, deps, logger } = options;
  const serve = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', baseUrl);
    if (url.pathname === TOPIC_PATH) return options.topic(req, res);
    const method = (req.method ?? 'GET').toUpperCase();
    const { definition, params } = router.match(url.pathname, method);
    authorize(definition, presentedKey(req.headers, url), keys);
    const body = await readBody(
      req,
      HOST_MAX_BODY_BYTES,
      `The host accepts bodies up to ${HOST_MAX_BODY_BYTES} bytes.`,
    );
    const request = toHttpRequest({ method, url, headers: requestHeaders(req), params, body });
    await writeResponse(res, await invokeInSpan(definition, request, deps, logger));
  };
  return (req, res) => {
    serve(req, res).catch((error: unknown) => {
      if (!(error instanceof AppError)) logger.error(`host: ${(error as Error).stack ?? String(error)}`);
      if (res.headersSent) res.destroy();
      else writeProblem(res, error, req.headers).catch(() => res.destroy());
    });
  };
}

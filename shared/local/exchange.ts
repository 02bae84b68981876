/**
 * Conversion between Node's HTTP messages and the Functions programming model's: a request body read
 * up to a limit, an HttpRequest built from the incoming message, an HttpResponseInit written out.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpRequest, type HttpResponseInit } from '@azure/functions';
import { AppError, PayloadTooLargeError } from '../errors';

/** Largest request body the host buffers (functions apply their own, smaller limits). */
export const HOST_MAX_BODY_BYTES = 4 * 1024 * 1024;

/** A request the Fetch API refuses to represent (the parser let it through): bad input, not a fault. */
export class MalformedRequestError extends AppError {
  readonly status = 400;
  readonly title = 'Malformed request';
}

/** The whole body; a PayloadTooLargeError with `detail` once it exceeds `limit` bytes. */
export function readBody(req: IncomingMessage, limit: number, detail: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new PayloadTooLargeError(detail));
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Header values as the Fetch API wants them: repeated headers joined with ", ". */
export function requestHeaders(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

export interface RequestParts {
  readonly method: string;
  readonly url: URL;
  readonly headers: Record<string, string>;
  readonly params: Readonly<Record<string, string>>;
  readonly body: Buffer;
}

/** The HttpRequest a function receives; a MalformedRequestError for a header value it cannot hold. */
export function toHttpRequest({ method, url, headers, params, body }: RequestParts): HttpRequest {
  try {
    return new HttpRequest({
      method,
      url: url.toString(),
      headers,
      params: { ...params },
      ...(body.length > 0 ? { body: { bytes: body } } : {}),
    });
  } catch (error) {
    throw new MalformedRequestError(`A header value is not allowed: ${(error as Error).message}`);
  }
}

async function responseBody(response: HttpResponseInit, headers: Headers): Promise<Buffer | string | undefined> {
  if (response.jsonBody !== undefined) {
    if (!headers.has('content-type')) headers.set('content-type', 'application/json; charset=utf-8');
    return JSON.stringify(response.jsonBody);
  }
  if (typeof response.body === 'string') {
    if (!headers.has('content-type')) headers.set('content-type', 'text/plain; charset=utf-8');
    return response.body;
  }
  if (response.body instanceof Uint8Array || Buffer.isBuffer(response.body))
    return Buffer.from(response.body as Uint8Array);
  if (response.body !== undefined && response.body !== null)
    return Buffer.from(await new Response(response.body as ConstructorParameters<typeof Response>[0]).arrayBuffer());
  return undefined;
}

export async function writeResponse(res: ServerResponse, response: HttpResponseInit): Promise<void> {
  const headers = new Headers(response.headers);
  const body = await responseBody(response, headers);
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

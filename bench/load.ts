/**
 * HTTP load with autocannon, run in a worker thread so the load generator does not share the event loop
 * of the host it measures (the host runs in the bench's main thread). Request generators keep one
 * counter for all connections, so "distinct" really means each id or query once.
 */
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import autocannon from 'autocannon';
import { summarize } from './measure';

export interface PlainRequest {
  readonly method: 'GET' | 'POST' | 'PATCH';
  readonly path: string;
  readonly headers?: Record<string, string>;
  readonly body?: string;
}

export type LoadMode =
  /** The same request every time. */
  | { readonly kind: 'fixed'; readonly request: PlainRequest }
  /** Each request of the list once, in order, shared by all connections (wraps around if exhausted). */
  | { readonly kind: 'list'; readonly requests: readonly PlainRequest[] }
  /** POST /api/movies with a new title each time. */
  | { readonly kind: 'create'; readonly key: string; readonly label: string }
  /** PATCH /api/movies/{id} with If-Match, each request on the next movie (version tracked from answers). */
  | { readonly kind: 'patch'; readonly key: string; readonly ids: readonly string[] };

export interface LoadSpec {
  readonly url: string;
  readonly connections: number;
  /** Seconds (ignored when amount is set). */
  readonly duration?: number;
  /** Exactly this many requests. */
  readonly amount?: number;
  readonly mode: LoadMode;
}

export interface LoadResult {
  readonly requests: number;
  readonly seconds: number;
  readonly rps: number;
  /** Latency in ms, timed per request in the worker (microsecond resolution). */
  readonly p50: number;
  readonly p99: number;
  readonly mean: number;
  /** autocannon's own histogram (whole milliseconds), for comparison. */
  readonly autocannon: { readonly p50: number; readonly p99: number; readonly mean: number };
  readonly errors: number;
  readonly statuses: Record<string, number>;
  /** X-Cache answers seen (HIT / MISS), when the endpoint sends it. */
  readonly cache: Record<string, number>;
  /** Requests generated that wrapped around a list (then not all distinct). */
  readonly wrapped: number;
}

/** Runs one load case in a worker thread. */
export function runLoad(spec: LoadSpec): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    // The worker is TypeScript too: register tsx in it first.
    const bootstrap = `require('tsx/cjs/api').register(); require(${JSON.stringify(__filename)});`;
    const worker = new Worker(bootstrap, { eval: true, workerData: spec });
    worker.once('message', (m: LoadResult) => resolve(m));
    worker.once('error', reject);
    worker.once('exit', (code) => code !== 0 && reject(new Error(`load worker exited ${code}`)));
  });
}

async function inWorker(spec: LoadSpec): Promise<LoadResult> {
  const statuses: Record<string, number> = {};
  const cache: Record<string, number> = {};
  let counter = 0;
  let wrapped = 0;
  const versions = new Map<string, number>();
  const pathOf = new WeakMap<object, string>();
  // autocannon's histogram counts whole milliseconds; time each request here too. With one request in
  // flight per connection, setupRequest runs right before the request is written.
  const sentAt = new WeakMap<object, number>();
  const samples: number[] = [];

  const onResponse = (
    status: number,
    body: string,
    context: object,
    headers: Record<string, string | string[] | undefined> | undefined,
  ) => {
    const sent = sentAt.get(context);
    if (sent !== undefined) samples.push(performance.now() - sent);
    statuses[status] = (statuses[status] ?? 0) + 1;
    for (const [name, value] of Object.entries(headers ?? {})) {
      if (name.toLowerCase() === 'x-cache') cache[String(value)] = (cache[String(value)] ?? 0) + 1;
    }
    if (spec.mode.kind === 'patch' && status === 200) {
      const id = pathOf.get(context);
      const version = (JSON.parse(body) as { version?: number }).version;
      if (id && version) versions.set(id, version);
    }
  };

  const next = (): PlainRequest => {
    const n = counter++;
    const mode = spec.mode;
    switch (mode.kind) {
      case 'fixed':
        return mode.request;
      case 'list':
        if (n >= mode.requests.length) wrapped++;
        return mode.requests[n % mode.requests.length]!;
      case 'create':
        return {
          method: 'POST',
          path: '/api/movies',
          headers: { 'content-type': 'application/json', 'x-functions-key': mode.key },
          body: JSON.stringify({
            title: `${mode.label} ${n}`,
            genres: ['Drama'],
            releaseDate: '2001-01-01',
            imdbRating: 7,
          }),
        };
      case 'patch': {
        if (n >= mode.ids.length) wrapped++;
        const id = mode.ids[n % mode.ids.length]!;
        return {
          method: 'PATCH',
          path: `/api/movies/${id}`,
          headers: {
            'content-type': 'application/merge-patch+json',
            'x-functions-key': mode.key,
            'if-match': `"${versions.get(id) ?? 1}"`,
          },
          body: JSON.stringify({ distributor: `Bench ${n}` }),
        };
      }
      default: {
        const never: never = mode;
        throw new Error(`unknown mode ${JSON.stringify(never)}`);
      }
    }
  };

  // Inside a worker thread autocannon hands back its raw histograms: aggregate them as the main thread would.
  const partial = await autocannon({
    url: spec.url,
    connections: spec.connections,
    ...(spec.amount !== undefined ? { amount: spec.amount } : { duration: spec.duration ?? 5 }),
    requests: [
      {
        setupRequest: (req, context) => {
          const r = next();
          sentAt.set(context, performance.now());
          if (spec.mode.kind === 'patch') pathOf.set(context, r.path.split('/').pop()!);
          return { ...req, method: r.method, path: r.path, headers: { ...r.headers }, body: r.body };
        },
        onResponse,
      },
    ],
  });
  const { aggregateResult } = autocannon as unknown as {
    aggregateResult(results: unknown[], opts: object): autocannon.Result;
  };
  const result = aggregateResult([partial], { url: spec.url, connections: spec.connections });
  const seconds = result.duration;
  const requests = result.requests.total;
  return {
    requests,
    seconds,
    rps: seconds > 0 ? requests / seconds : 0,
    ...(() => {
      const mine = summarize(samples);
      return { p50: mine.p50, p99: mine.p99, mean: mine.mean };
    })(),
    autocannon: { p50: result.latency.p50, p99: result.latency.p99, mean: result.latency.average },
    errors: result.errors + result.timeouts,
    statuses,
    cache,
    wrapped,
  };
}

if (!isMainThread && parentPort) {
  const port = parentPort;
  inWorker(workerData as LoadSpec)
    .then((r) => port.postMessage(r))
    .catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
}

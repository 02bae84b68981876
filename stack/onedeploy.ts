/**
 * Deploying a zip to a Flex Consumption app through its SCM site's One Deploy endpoint, and the pure rules
 * behind it (status interpretation, retry schedule, redeploy decision). Used by the `FunctionCode` dynamic
 * resource; every side effect comes in through `OneDeployOptions`, so tests drive it against a local fake.
 *
 * No module-level imports on purpose: Pulumi serializes these functions (by value) into the dynamic provider,
 * and a captured module object does not survive that; `require` inside a function body does. Module-level
 * values must be plain data (strings, numbers, arrays, plain objects): a captured `Set` or `Map` comes back
 * as an object without its entries (test/stack/deploy-provider.unit.test.ts runs the serialized copy).
 */

// ---------------------------------------------------------------------------------------------------------------
// Pure rules

/** What a deployment status document says. */
export type DeploymentState =
  | { readonly kind: 'inProgress'; readonly detail: string }
  | { readonly kind: 'succeeded' }
  | { readonly kind: 'failed'; readonly message: string };

/** Kudu's numeric `DeployStatus`: Pending 0, Building 1, Deploying 2, Failed 3, Success 4. */
const KUDU_FAILED = 3;
const KUDU_SUCCESS = 4;
const SUCCEEDED_TEXT: readonly string[] = ['success', 'succeeded', 'runtimesuccessful'];
const FAILED_TEXT: readonly string[] = [
  'failed',
  'buildfailed',
  'runtimefailed',
  'buildaborted',
  'timedout',
  'conflict',
];

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(body: Record<string, unknown>): string {
  for (const key of ['status_text', 'message', 'progress']) {
    const value = body[key];
    if (typeof value === 'string' && value.trim() !== '') return value.trim();
  }
  return `status ${JSON.stringify(body.status)}`;
}

/**
 * Reads the status from the BODY of `/api/deployments/<id|latest>`: Flex answers HTTP 200 while a deployment
 * is still running and also after it failed, so the HTTP status says nothing about the deployment.
 */
export function interpretDeploymentStatus(body: unknown): DeploymentState {
  if (!isRecord(body)) return { kind: 'inProgress', detail: 'no status document yet' };
  const status = body.status;
  if (typeof status === 'number') {
    if (status === KUDU_SUCCESS) return { kind: 'succeeded' };
    if (status === KUDU_FAILED) return { kind: 'failed', message: describe(body) };
  } else if (typeof status === 'string') {
    const normalized = status.toLowerCase();
    if (SUCCEEDED_TEXT.includes(normalized)) return { kind: 'succeeded' };
    if (FAILED_TEXT.includes(normalized)) return { kind: 'failed', message: describe(body) };
  }
  // Any other status that claims to be complete (e.g. a partial success) did not deploy what we sent.
  if (body.complete === true) return { kind: 'failed', message: describe(body) };
  return { kind: 'inProgress', detail: describe(body) };
}

export interface RetryPolicy {
  /** Total attempts, the first included. */
  readonly attempts: number;
  readonly initialDelayMs: number;
  readonly factor: number;
  readonly maxDelayMs: number;
}

/** Default: ~11 minutes in all, enough for a new role assignment to propagate to the SCM site and storage. */
export const DEFAULT_RETRY: RetryPolicy = { attempts: 15, initialDelayMs: 5_000, factor: 2, maxDelayMs: 60_000 };

/** Delays before attempts 2..n: exponential, capped. Bounded by construction (attempts - 1 entries). */
export function retryDelays(policy: RetryPolicy): number[] {
  const delays: number[] = [];
  let delay = policy.initialDelayMs;
  for (let attempt = 1; attempt < policy.attempts; attempt += 1) {
    delays.push(Math.min(delay, policy.maxDelayMs));
    delay *= policy.factor;
  }
  return delays;
}

/**
 * Answers worth retrying while a fresh environment settles: 403 (the deployer's or the app identity's role
 * assignment not propagated yet), 409 (another deployment or a site update in progress), 429, 5xx, and the
 * 400 Flex returns when it cannot yet write the package to its deployment storage (`BlobUploadFailedException`).
 */
export function isRetryable(status: number, body: string): boolean {
  if (status === 403 || status === 409 || status === 429 || status >= 500) return true;
  return status === 400 && /BlobUploadFailed/i.test(body);
}

/** The dynamic resource's inputs that decide whether the code must be deployed again. */
export interface CodeIdentity {
  readonly appResourceId: string;
  readonly packageSha256: string;
}

/** Redeploy only when the package bytes (sha256) change, or the code now targets another app. */
export function diffCode(olds: CodeIdentity, news: CodeIdentity): { changes: boolean; replaces: string[] } {
  const replaces = olds.appResourceId !== news.appResourceId ? ['appResourceId'] : [];
  return { changes: replaces.length > 0 || olds.packageSha256 !== news.packageSha256, replaces };
}

export function sha256(bytes: Uint8Array): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const crypto = require('node:crypto') as typeof import('node:crypto');
  return crypto.createHash('sha256').update(bytes).digest('hex');
}

// ---------------------------------------------------------------------------------------------------------------
// HTTP

export type Fetch = typeof globalThis.fetch;
/** Returns a bearer token for the deploying principal (ARM audience; the SCM site accepts it too). */
export type TokenProvider = () => Promise<string>;

export interface Poll {
  readonly intervalMs: number;
  readonly timeoutMs: number;
}

export interface OneDeployOptions {
  readonly fetch: Fetch;
  readonly getToken: TokenProvider;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly log?: (message: string) => void;
  readonly retry?: RetryPolicy;
  readonly statusPoll?: Poll;
  readonly functionsPoll?: Poll;
}

export interface OneDeployTarget {
  /** `https://<scm host>` */
  readonly scmBaseUrl: string;
  /** `https://management.azure.com` */
  readonly armBaseUrl: string;
  /** ARM id of the Functions app. */
  readonly appResourceId: string;
}

export const ARM_WEB_API_VERSION = '2024-04-01';

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export interface Answer {
  readonly status: number;
  readonly body: string;
}

export class DeployError extends Error {
  override name = 'DeployError';
}

/**
 * One authenticated request, retried on the bounded schedule while the answer is retryable; resolves with the
 * first answer `accept` takes, throws with the last answer otherwise.
 */
export async function send(
  url: string,
  init: { method: string; body?: Uint8Array; contentType?: string },
  options: OneDeployOptions,
  accept: (status: number) => boolean,
): Promise<Answer> {
  const sleep = options.sleep ?? defaultSleep;
  const delays = retryDelays(options.retry ?? DEFAULT_RETRY);
  for (let attempt = 0; ; attempt += 1) {
    const headers: Record<string, string> = { authorization: `Bearer ${await options.getToken()}` };
    if (init.contentType) headers['content-type'] = init.contentType;
    const response = await options.fetch(url, { method: init.method, headers, body: init.body });
    const answer = { status: response.status, body: await response.text() };
    if (accept(answer.status)) return answer;
    const delay = delays[attempt];
    if (delay === undefined || !isRetryable(answer.status, answer.body)) {
      const tries = attempt + 1;
      throw new DeployError(
        `${init.method} ${url} answered ${answer.status} after ${tries} attempt${tries > 1 ? 's' : ''}: ${answer.body.slice(0, 500)}`,
      );
    }
    options.log?.(`${init.method} ${url} answered ${answer.status}; retrying in ${delay} ms`);
    await sleep(delay);
  }
}

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function deploymentId(body: unknown): string | undefined {
  return isRecord(body) && typeof body.id === 'string' ? body.id : undefined;
}

/** The last lines of a failed deployment's log, for the error message. Best effort. */
async function failureLog(body: unknown, options: OneDeployOptions): Promise<string> {
  if (!isRecord(body) || typeof body.log_url !== 'string') return '';
  try {
    const answer = await send(
      body.log_url,
      { method: 'GET' },
      { ...options, retry: { ...DEFAULT_RETRY, attempts: 1 } },
      (s) => s === 200,
    );
    const entries = parseJson(answer.body);
    if (!Array.isArray(entries)) return '';
    const lines = entries
      .map((e: unknown) => (isRecord(e) && typeof e.message === 'string' ? e.message : undefined))
      .filter((m): m is string => m !== undefined);
    return lines.length > 0 ? `\n${lines.slice(-20).join('\n')}` : '';
  } catch {
    return '';
  }
}

/** Waits for the deployment after `previousId` to finish; throws with the status text and log on failure. */
export async function waitForDeployment(
  scmBaseUrl: string,
  previousId: string | undefined,
  options: OneDeployOptions,
): Promise<string | undefined> {
  const sleep = options.sleep ?? defaultSleep;
  const poll = options.statusPoll ?? { intervalMs: 3_000, timeoutMs: 15 * 60_000 };
  const deadline = Date.now() + poll.timeoutMs;
  let last = 'no status yet';
  for (;;) {
    const answer = await send(
      `${scmBaseUrl}/api/deployments/latest`,
      { method: 'GET' },
      options,
      (s) => s === 200 || s === 202 || s === 404,
    );
    const body = answer.status === 404 ? undefined : parseJson(answer.body);
    const id = deploymentId(body);
    // Until ours is registered, "latest" is the previous deployment: do not read its outcome as ours.
    const ours = body !== undefined && (id === undefined || id !== previousId);
    const state: DeploymentState = ours ? interpretDeploymentStatus(body) : { kind: 'inProgress', detail: 'queued' };
    if (state.kind === 'succeeded') return id;
    if (state.kind === 'failed') {
      throw new DeployError(`deployment ${id ?? ''} failed: ${state.message}${await failureLog(body, options)}`);
    }
    last = state.detail;
    if (Date.now() >= deadline)
      throw new DeployError(`deployment did not finish in ${poll.timeoutMs} ms (last: ${last})`);
    await sleep(poll.intervalMs);
  }
}

/** Names of the functions ARM lists for the app (what Event Grid resolves `<app id>/functions/<name>` against). */
export function functionNames(listBody: unknown): string[] {
  if (!isRecord(listBody) || !Array.isArray(listBody.value)) return [];
  return listBody.value.flatMap((item: unknown) => {
    if (!isRecord(item)) return [];
    const props = item.properties;
    if (isRecord(props) && typeof props.name === 'string') return [props.name];
    // ARM names child resources "<app>/<function>".
    return typeof item.name === 'string' ? [item.name.split('/').pop() ?? item.name] : [];
  });
}

/** Waits until every one of `required` appears in the app's function list (the host indexed the new code). */
export async function waitForFunctions(
  target: OneDeployTarget,
  required: readonly string[],
  options: OneDeployOptions,
): Promise<void> {
  const sleep = options.sleep ?? defaultSleep;
  const poll = options.functionsPoll ?? { intervalMs: 5_000, timeoutMs: 5 * 60_000 };
  const url = `${target.armBaseUrl}${target.appResourceId}/functions?api-version=${ARM_WEB_API_VERSION}`;
  const deadline = Date.now() + poll.timeoutMs;
  for (;;) {
    const answer = await send(url, { method: 'GET' }, options, (s) => s === 200 || s === 404);
    const names = answer.status === 200 ? functionNames(parseJson(answer.body)) : [];
    const missing = required.filter((name) => !names.includes(name));
    if (missing.length === 0) return;
    if (Date.now() >= deadline) {
      throw new DeployError(
        `function(s) ${missing.join(', ')} not listed after ${poll.timeoutMs} ms; listed: [${names.join(', ')}]`,
      );
    }
    await sleep(poll.intervalMs);
  }
}

/**
 * One Deploy: POST the zip to `/api/publish?RemoteBuild=false`, wait for the deployment to succeed, then for
 * every function in `requiredFunctions` to be listed. Returns the deployment id when the SCM site reports one.
 */
export async function deployPackage(
  target: OneDeployTarget,
  zip: Uint8Array,
  requiredFunctions: readonly string[],
  options: OneDeployOptions,
): Promise<{ deploymentId?: string }> {
  const before = await send(
    `${target.scmBaseUrl}/api/deployments/latest`,
    { method: 'GET' },
    options,
    (s) => s === 200 || s === 202 || s === 404,
  );
  const previousId = before.status === 404 ? undefined : deploymentId(parseJson(before.body));

  options.log?.(`publishing ${zip.byteLength} bytes to ${target.scmBaseUrl}`);
  await send(
    `${target.scmBaseUrl}/api/publish?RemoteBuild=false`,
    { method: 'POST', body: zip, contentType: 'application/zip' },
    options,
    (s) => s === 200 || s === 202,
  );

  const id = await waitForDeployment(target.scmBaseUrl, previousId, options);
  await waitForFunctions(target, requiredFunctions, options);
  return id === undefined ? {} : { deploymentId: id };
}

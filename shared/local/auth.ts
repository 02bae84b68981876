/**
 * The local host's keys and auth levels, as the Azure host enforces them: anonymous functions need no
 * key, function-level ones the host key, their own function key or the master key, admin-level ones the
 * master key only; the local topic wants its aeg-sas-key. A refusal is an UnauthorizedError (401).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { Config } from '../config';
import { UnauthorizedError } from '../errors';
import type { HttpFunctionDefinition } from '../registry';

export interface LocalHostKeys {
  /** Host key: valid for every function-level function. */
  readonly host: string;
  /** Master key: valid everywhere, and the only key for admin-level functions. */
  readonly master: string;
  /** Per-function keys: each valid for its own function only. */
  readonly functions: Readonly<Record<string, string>>;
  readonly topic: string;
}

/** Constant-time comparison; an absent or empty key matches nothing. */
export function keyMatches(given: string | null | undefined, expected: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Per-function key: derived from the host key, so it is stable for a given FUNCTION_KEY. */
export function functionKey(hostKey: string, functionName: string): string {
  return createHmac('sha256', hostKey).update(functionName).digest('base64url').slice(0, 40);
}

const randomKey = (): string => randomBytes(24).toString('base64url');

/** The configured keys; a random one for each that is not configured. */
export function hostKeys(config: Config, functions: readonly HttpFunctionDefinition[]): LocalHostKeys {
  const hostKey = config.keys.function ?? randomKey();
  return {
    host: hostKey,
    master: config.keys.master ?? randomKey(),
    functions: Object.fromEntries(
      functions.filter((d) => d.authLevel === 'function').map((d) => [d.name, functionKey(hostKey, d.name)]),
    ),
    topic: config.eventGrid.key ?? randomKey(),
  };
}

export function isAuthorized(definition: HttpFunctionDefinition, given: string | null, keys: LocalHostKeys): boolean {
  if (definition.authLevel === 'anonymous') return true;
  if (keyMatches(given, keys.master)) return true;
  if (definition.authLevel === 'admin') return false;
  const own = keys.functions[definition.name];
  return keyMatches(given, keys.host) || (own !== undefined && keyMatches(given, own));
}

/** The key a request presents: the x-functions-key header, else the `code` query parameter. */
export function presentedKey(headers: IncomingHttpHeaders, url: URL): string | null {
  return (headers['x-functions-key'] as string | undefined) ?? url.searchParams.get('code');
}

/** Throws UnauthorizedError unless `given` opens `definition`. */
export function authorize(definition: HttpFunctionDefinition, given: string | null, keys: LocalHostKeys): void {
  if (isAuthorized(definition, given, keys)) return;
  throw new UnauthorizedError(
    definition.authLevel === 'admin'
      ? 'The master key is required (x-functions-key header or code query parameter): this is an operations endpoint.'
      : 'A valid function key is required (x-functions-key header or code query parameter).',
  );
}

/** Throws UnauthorizedError unless `given` is the topic key. */
export function authorizeTopic(given: string | null | undefined, keys: LocalHostKeys): void {
  if (!keyMatches(given, keys.topic)) throw new UnauthorizedError('The aeg-sas-key header is missing or wrong.');
}

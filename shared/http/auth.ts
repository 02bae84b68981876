import type { AuthLevel } from '../registry';

/**
 * Auth level of the query endpoints: anonymous by default, `function` when QUERY_AUTH_LEVEL says so.
 * Read at registration (the Azure host fixes auth levels when the app loads), from the environment,
 * into which the local host's start-up also loads local.settings.json; loadConfig validates the value.
 */
export function queryAuthLevel(env: Record<string, string | undefined> = process.env): AuthLevel {
  return env.QUERY_AUTH_LEVEL === 'function' ? 'function' : 'anonymous';
}

/**
 * Where settings come from, and the settings the Azure host fixes when the app loads. No schema library:
 * the Azure entry (functions/index.ts) reads the registration settings before any invocation, and a cold
 * start must not pay for loading one (shared/config.ts validates everything else, on first invocation).
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

/** Reads `Values` of local.settings.json when present (the Functions convention for local settings). */
export function readLocalSettings(path = resolve(process.cwd(), 'local.settings.json')): Record<string, string> {
  if (!existsSync(path)) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigError([`local.settings.json: not valid JSON (${(error as Error).message})`]);
  }
  const values = (parsed as { Values?: unknown }).Values;
  if (values === undefined) return {};
  if (typeof values !== 'object' || values === null)
    throw new ConfigError(['local.settings.json: Values must be an object']);
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, String(v)]));
}

/** Every source of settings in precedence order: local.settings.json `Values`, overridden by the environment. */
export function settingsSources(): Record<string, string | undefined> {
  return { ...readLocalSettings(), ...process.env };
}

/**
 * Settings the Azure host fixes when the app loads, before any invocation: the auth levels of the
 * function definitions. Read on their own, so that registering the functions (the Azure entry) or listing
 * them (the OpenAPI generator, the Pulumi program) needs no other setting; loadConfig reads them the same way.
 */
export interface RegistrationSettings {
  /** QUERY_AUTH_LEVEL: the query endpoints are anonymous unless it says `function`. */
  readonly queryAuthLevel: 'anonymous' | 'function';
}

const QUERY_AUTH_LEVELS: readonly RegistrationSettings['queryAuthLevel'][] = ['anonymous', 'function'];

/** The registration settings and what is wrong with them (the configuration reports both with its own). */
export function readRegistrationSettings(env: Record<string, string | undefined>): {
  readonly settings: RegistrationSettings;
  readonly problems: readonly string[];
} {
  const raw = env.QUERY_AUTH_LEVEL ?? 'anonymous';
  const level = QUERY_AUTH_LEVELS.find((l) => l === raw);
  return level === undefined
    ? {
        settings: { queryAuthLevel: 'anonymous' },
        problems: [`QUERY_AUTH_LEVEL: must be ${QUERY_AUTH_LEVELS.join(' or ')} (got ${JSON.stringify(raw)})`],
      }
    : { settings: { queryAuthLevel: level }, problems: [] };
}

/** The registration settings of `env`; a bad one throws ConfigError naming it (never silently anonymous). */
export function loadRegistrationSettings(
  env: Record<string, string | undefined> = settingsSources(),
): RegistrationSettings {
  const { settings, problems } = readRegistrationSettings(env);
  if (problems.length > 0) throw new ConfigError(problems);
  return settings;
}

let registration: RegistrationSettings | undefined;

/** The registration settings of this process, loaded once (on first use) from the usual sources. */
export function registrationSettings(): RegistrationSettings {
  return (registration ??= loadRegistrationSettings());
}

/**
 * All configuration, read and validated ONCE at start-up into a typed object. A missing or bad value
 * fails fast with a message naming the setting. Sources: environment variables, then (locally) the
 * `Values` of an optional local.settings.json, which the environment overrides.
 */
import { z } from 'zod';
import { ConfigError, readRegistrationSettings, settingsSources, type RegistrationSettings } from './settings';

export { ConfigError, readLocalSettings } from './settings';

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));
const intSetting = (def: number, min: number, max: number) => z.coerce.number().int().min(min).max(max).default(def);
const urlSetting = optionalString.refine((v) => v === undefined || URL.canParse(v), 'must be an absolute URL');

/** NCRONTAB (with seconds) of the relay timer: the `%RELAY_SCHEDULE%` app setting. */
export const DEFAULT_RELAY_SCHEDULE = '*/15 * * * * *';
/** NCRONTAB of the jobs timer (moves long operations forward): the `%JOBS_SCHEDULE%` app setting. */
export const DEFAULT_JOBS_SCHEDULE = '*/5 * * * * *';

const SettingsSchema = z.object({
  PORT: intSetting(7071, 0, 65535),
  FUNCTION_KEY: optionalString,
  MASTER_KEY: optionalString,
  COSMOS_ENDPOINT: urlSetting,
  COSMOS_KEY: optionalString,
  COSMOS_DATABASE: z.string().min(1).default('catalog'),
  COSMOS_CONTAINER: z.string().min(1).default('events'),
  COSMOS_JOBS_CONTAINER: z.string().min(1).default('jobs'),
  EVENTGRID_TOPIC_ENDPOINT: urlSetting,
  EVENTGRID_TOPIC_KEY: optionalString,
  AZURE_CLIENT_ID: optionalString,
  ELASTICSEARCH_URL: urlSetting,
  ELASTICSEARCH_API_KEY: optionalString,
  /** Basic auth instead of an API key (the read-store container's file-realm user). */
  ELASTICSEARCH_USERNAME: optionalString,
  ELASTICSEARCH_PASSWORD: optionalString,
  ELASTICSEARCH_INDEX: z
    .string()
    .regex(/^[a-z][a-z0-9_-]*$/, 'must be a lowercase index name')
    .default('movies'),
  REDIS_URL: urlSetting.refine((v) => v === undefined || /^rediss?:/.test(v), 'must be a redis:// or rediss:// URL'),
  REDIS_PASSWORD: optionalString,
  /** accessKey (REDIS_PASSWORD) or entra (a token for the managed identity, user REDIS_USERNAME). */
  REDIS_AUTH: z.enum(['accessKey', 'entra']).default('accessKey'),
  REDIS_USERNAME: optionalString,
  REDIS_TIMEOUT_MS: intSetting(250, 10, 10_000),
  CACHE_TTL_SECONDS: intSetting(300, 1, 86_400),
  /** How long a search or suggest answer is cached: its staleness bound (writes do not invalidate searches). */
  SEARCH_CACHE_TTL_SECONDS: intSetting(10, 1, 3_600),
  RELAY_GRACE_SECONDS: intSetting(30, 0, 86_400),
  RELAY_SCHEDULE: z.string().min(1).default(DEFAULT_RELAY_SCHEDULE),
  JOBS_SCHEDULE: z.string().min(1).default(DEFAULT_JOBS_SCHEDULE),
  JOBS_PAGE_SIZE: intSetting(500, 1, 5000),
  JOBS_TICK_SECONDS: intSetting(20, 0, 600),
  DEAD_LETTER_DIR: z.string().min(1).default('.local/deadletter'),
  LOCAL_TOPIC_JOURNAL_DIR: z.string().min(1).default('.local/topic'),
  DEAD_LETTER_BLOB_URL: urlSetting,
  LOCAL_EVENTGRID_BACKOFF_MS: intSetting(1000, 1, 600_000),
  LOCAL_SEED: z.enum(['auto', 'off']).default('auto'),
  APPLICATIONINSIGHTS_CONNECTION_STRING: optionalString,
  /** `json`: one JSON object per log line with trace and correlation ids (shared/logging.ts). */
  LOG_FORMAT: z.enum(['text', 'json']).default('text'),
});

export type Settings = z.infer<typeof SettingsSchema>;

/** Configuration with its meaning made explicit. */
export interface Config {
  readonly port: number;
  readonly keys: { readonly function?: string; readonly master?: string };
  readonly queryAuthLevel: RegistrationSettings['queryAuthLevel'];
  readonly cosmos: {
    readonly endpoint?: string;
    readonly key?: string;
    readonly database: string;
    readonly container: string;
    readonly jobsContainer: string;
  };
  readonly eventGrid: { readonly endpoint?: string; readonly key?: string };
  readonly azureClientId?: string;
  readonly elasticsearch: {
    readonly url?: string;
    readonly apiKey?: string;
    readonly username?: string;
    readonly password?: string;
    readonly index: string;
  };
  readonly redis: {
    readonly url?: string;
    readonly password?: string;
    readonly auth: 'accessKey' | 'entra';
    readonly username?: string;
    readonly timeoutMs: number;
  };
  readonly cacheTtlSeconds: number;
  readonly searchCacheTtlSeconds: number;
  readonly relay: { readonly graceSeconds: number; readonly schedule: string };
  readonly jobs: { readonly schedule: string; readonly pageSize: number; readonly tickSeconds: number };
  readonly deadLetter: { readonly dir: string; readonly blobUrl?: string };
  readonly local: {
    readonly eventGridBackoffMs: number;
    readonly seed: 'auto' | 'off';
    readonly topicJournalDir: string;
  };
  readonly appInsightsConnectionString?: string;
  readonly logFormat: 'text' | 'json';
}

function issuesOf(error: z.ZodError): string[] {
  return error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

export function loadConfig(env: Record<string, string | undefined> = settingsSources()): Config {
  const parsed = SettingsSchema.safeParse(env);
  const registration = readRegistrationSettings(env);
  if (!parsed.success) throw new ConfigError([...issuesOf(parsed.error), ...registration.problems]);
  const s = parsed.data;
  const problems: string[] = [...registration.problems];
  if (s.COSMOS_KEY && !s.COSMOS_ENDPOINT) problems.push('COSMOS_KEY: set without COSMOS_ENDPOINT');
  if (s.REDIS_AUTH === 'entra' && !s.REDIS_USERNAME)
    problems.push("REDIS_USERNAME: required when REDIS_AUTH=entra (the identity's object id)");
  if (s.ELASTICSEARCH_API_KEY && !s.ELASTICSEARCH_URL)
    problems.push('ELASTICSEARCH_API_KEY: set without ELASTICSEARCH_URL');
  if (Boolean(s.ELASTICSEARCH_USERNAME) !== Boolean(s.ELASTICSEARCH_PASSWORD)) {
    problems.push('ELASTICSEARCH_USERNAME and ELASTICSEARCH_PASSWORD: set both or neither');
  }
  if (s.ELASTICSEARCH_USERNAME && s.ELASTICSEARCH_API_KEY)
    problems.push('ELASTICSEARCH_USERNAME: set together with ELASTICSEARCH_API_KEY (choose one)');
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    port: s.PORT,
    keys: { function: s.FUNCTION_KEY, master: s.MASTER_KEY },
    queryAuthLevel: registration.settings.queryAuthLevel,
    cosmos: {
      endpoint: s.COSMOS_ENDPOINT,
      key: s.COSMOS_KEY,
      database: s.COSMOS_DATABASE,
      container: s.COSMOS_CONTAINER,
      jobsContainer: s.COSMOS_JOBS_CONTAINER,
    },
    eventGrid: { endpoint: s.EVENTGRID_TOPIC_ENDPOINT, key: s.EVENTGRID_TOPIC_KEY },
    azureClientId: s.AZURE_CLIENT_ID,
    elasticsearch: {
      url: s.ELASTICSEARCH_URL,
      apiKey: s.ELASTICSEARCH_API_KEY,
      username: s.ELASTICSEARCH_USERNAME,
      password: s.ELASTICSEARCH_PASSWORD,
      index: s.ELASTICSEARCH_INDEX,
    },
    redis: {
      url: s.REDIS_URL,
      password: s.REDIS_PASSWORD,
      auth: s.REDIS_AUTH,
      username: s.REDIS_USERNAME,
      timeoutMs: s.REDIS_TIMEOUT_MS,
    },
    cacheTtlSeconds: s.CACHE_TTL_SECONDS,
    searchCacheTtlSeconds: s.SEARCH_CACHE_TTL_SECONDS,
    relay: { graceSeconds: s.RELAY_GRACE_SECONDS, schedule: s.RELAY_SCHEDULE },
    jobs: { schedule: s.JOBS_SCHEDULE, pageSize: s.JOBS_PAGE_SIZE, tickSeconds: s.JOBS_TICK_SECONDS },
    deadLetter: { dir: s.DEAD_LETTER_DIR, blobUrl: s.DEAD_LETTER_BLOB_URL },
    local: {
      eventGridBackoffMs: s.LOCAL_EVENTGRID_BACKOFF_MS,
      seed: s.LOCAL_SEED,
      topicJournalDir: s.LOCAL_TOPIC_JOURNAL_DIR,
    },
    appInsightsConnectionString: s.APPLICATIONINSIGHTS_CONNECTION_STRING,
    logFormat: s.LOG_FORMAT,
  };
}

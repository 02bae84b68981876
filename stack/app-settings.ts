/**
 * The Functions app's settings, built in one pure function so the names the app reads are in one place and
 * tests can check them without Azure.
 */
import * as pulumi from '@pulumi/pulumi';

/**
 * Settings a Flex Consumption app rejects or ignores: the runtime comes from `functionAppConfig.runtime`, the
 * package from `functionAppConfig.deployment`, and there is no "always on"/FTP/32-bit worker to configure.
 */
export const FLEX_REJECTED_SETTINGS: readonly string[] = [
  'FUNCTIONS_WORKER_RUNTIME',
  'FUNCTIONS_EXTENSION_VERSION',
  'WEBSITE_RUN_FROM_PACKAGE',
  'WEBSITE_NODE_DEFAULT_VERSION',
  'WEBSITE_CONTENTAZUREFILECONNECTIONSTRING',
  'WEBSITE_CONTENTSHARE',
  'WEBSITE_MAX_DYNAMIC_APPLICATION_SCALE_OUT',
  'SCM_DO_BUILD_DURING_DEPLOYMENT',
  'ENABLE_ORYX_BUILD',
];

export interface AppSettingsInputs {
  readonly hostStorageAccountName: pulumi.Input<string>;
  readonly identityClientId: pulumi.Input<string>;
  readonly cosmosEndpoint: pulumi.Input<string>;
  readonly cosmosDatabase: string;
  readonly cosmosContainer: string;
  readonly cosmosJobsContainer: string;
  readonly topicEndpoint: pulumi.Input<string>;
  readonly elasticsearchUrl: pulumi.Input<string>;
  /**
   * How the app signs in to Elasticsearch: an API key (external cluster) or the read-store container's
   * file-realm user. Secrets are Key Vault references (`@Microsoft.KeyVault(SecretUri=…)`), never the values.
   */
  readonly elasticsearchAuth:
    | { readonly kind: 'apiKey'; readonly apiKeyRef: pulumi.Input<string> }
    | { readonly kind: 'basic'; readonly username: string; readonly passwordRef: pulumi.Input<string> };
  readonly appInsightsConnectionStringRef: pulumi.Input<string>;
  readonly redisUrl: pulumi.Input<string>;
  readonly redis:
    | { readonly auth: 'entra'; readonly username: pulumi.Input<string> }
    | { readonly auth: 'accessKey'; readonly passwordRef: pulumi.Input<string> };
  readonly deadLetterBlobUrl: pulumi.Input<string>;
  readonly queryAuthLevel: string;
  readonly cacheTtlSeconds: number;
  readonly relayGraceSeconds: number;
  /** NCRONTAB (6 fields) of the relay timer. */
  readonly relaySchedule: string;
}

export interface NameValue {
  readonly name: string;
  readonly value: pulumi.Input<string>;
}

/** Every 15 s: a started job waits at most that long for its first step. */
export const JOBS_SCHEDULE = '*/15 * * * * *';

export function buildAppSettings(i: AppSettingsInputs): NameValue[] {
  const settings: NameValue[] = [
    // Host storage through the identity (the account has shared keys off).
    { name: 'AzureWebJobsStorage__accountName', value: i.hostStorageAccountName },
    { name: 'AzureWebJobsStorage__credential', value: 'managedidentity' },
    { name: 'AzureWebJobsStorage__clientId', value: i.identityClientId },
    // DefaultAzureCredential in the app picks the user-assigned identity by this client id.
    { name: 'AZURE_CLIENT_ID', value: i.identityClientId },
    { name: 'COSMOS_ENDPOINT', value: i.cosmosEndpoint },
    { name: 'COSMOS_DATABASE', value: i.cosmosDatabase },
    { name: 'COSMOS_CONTAINER', value: i.cosmosContainer },
    { name: 'COSMOS_JOBS_CONTAINER', value: i.cosmosJobsContainer },
    { name: 'EVENTGRID_TOPIC_ENDPOINT', value: i.topicEndpoint },
    { name: 'ELASTICSEARCH_URL', value: i.elasticsearchUrl },
    ...(i.elasticsearchAuth.kind === 'apiKey'
      ? [{ name: 'ELASTICSEARCH_API_KEY', value: i.elasticsearchAuth.apiKeyRef }]
      : [
          { name: 'ELASTICSEARCH_USERNAME', value: i.elasticsearchAuth.username },
          { name: 'ELASTICSEARCH_PASSWORD', value: i.elasticsearchAuth.passwordRef },
        ]),
    { name: 'REDIS_URL', value: i.redisUrl },
    { name: 'DEAD_LETTER_BLOB_URL', value: i.deadLetterBlobUrl },
    { name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', value: i.appInsightsConnectionStringRef },
    // The component has local auth off: the host and the app's exporter send telemetry with this identity.
    {
      name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING',
      value: pulumi.interpolate`Authorization=AAD;ClientId=${i.identityClientId}`,
    },
    { name: 'OTEL_NODE_RESOURCE_DETECTORS', value: 'env,host,os,process' },
    { name: 'QUERY_AUTH_LEVEL', value: i.queryAuthLevel },
    { name: 'CACHE_TTL_SECONDS', value: String(i.cacheTtlSeconds) },
    { name: 'RELAY_GRACE_SECONDS', value: String(i.relayGraceSeconds) },
    // The relay timer's schedule is `%RELAY_SCHEDULE%`: the host cannot index it without this setting.
    { name: 'RELAY_SCHEDULE', value: i.relaySchedule },
    // The jobs timer (`%JOBS_SCHEDULE%`) moves rebuild/verify/redrive jobs forward; a tick without a running
    // job is one small query on the jobs container.
    { name: 'JOBS_SCHEDULE', value: JOBS_SCHEDULE },
  ];
  if (i.redis.auth === 'accessKey') {
    settings.push({ name: 'REDIS_AUTH', value: 'accessKey' }, { name: 'REDIS_PASSWORD', value: i.redis.passwordRef });
  } else {
    // Entra: the app sends a token for https://redis.azure.com/.default as the password, this object id as user.
    settings.push({ name: 'REDIS_AUTH', value: 'entra' }, { name: 'REDIS_USERNAME', value: i.redis.username });
  }
  const rejected = settings.filter((s) => FLEX_REJECTED_SETTINGS.includes(s.name));
  if (rejected.length > 0) throw new Error(`Flex Consumption rejects: ${rejected.map((s) => s.name).join(', ')}`);
  return settings;
}

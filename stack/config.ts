/**
 * Typed stack configuration, read ONCE at the top of the program.
 *
 * Every key is declared in Pulumi.yaml (type, default, description); the CLI fills the declared defaults in,
 * so plain keys are read with `require*` and a missing one fails fast naming the key. Secrets are read with
 * `requireSecret` and stay `Output<string>` marked secret all the way into Key Vault.
 */
import * as pulumi from '@pulumi/pulumi';

export type QueryAuthLevel = 'anonymous' | 'function';
export type RedisAuth = 'entra' | 'accessKey';

/**
 * Where the read store lives: `container` = Elasticsearch declared by this program in Container Apps;
 * `external` = an existing cluster (Elastic Cloud or any), reached with a URL and an API key.
 */
export type ReadStoreConfig =
  | { readonly mode: 'container'; readonly cpu: number; readonly heapMB: number }
  | { readonly mode: 'external'; readonly url: string; readonly apiKey: pulumi.Output<string> };

/** Write-store capacity: serverless (pay per request) or provisioned autoscale up to a maximum RU/s. */
export type CosmosCapacity =
  { readonly mode: 'serverless' } | { readonly mode: 'autoscale'; readonly maxThroughput: number };

/** The GitHub repository whose workflows deploy this stack (`owner/name`), when the program declares their identity. */
export type PipelineConfig = { readonly repository: string; readonly environment: string } | undefined;

export interface StackConfig {
  /** Azure region of every resource. */
  readonly location: string;
  /** Zip built by `npm run package`, deployed by the program (relative to the project root). */
  readonly packagePath: string;
  readonly readStore: ReadStoreConfig;
  readonly cosmosCapacity: CosmosCapacity;
  /** Let the program replace the Cosmos account when the capacity mode changes (it holds no data worth keeping). */
  readonly cosmosAllowReplacement: boolean;
  readonly pipeline: PipelineConfig;
  readonly queryAuthLevel: QueryAuthLevel;
  readonly cacheTtlSeconds: number;
  readonly relayGraceSeconds: number;
  /** NCRONTAB with seconds (6 fields) of the relay timer; each tick is a billed execution. */
  readonly relaySchedule: string;
  readonly logRetentionDays: number;
  /** Zone redundancy wherever the service has it: storage ZRS, Cosmos, Redis, the Flex plan. */
  readonly zoneRedundant: boolean;
  readonly redisSku: string;
  readonly redisHighAvailability: boolean;
  readonly redisAuth: RedisAuth;
  readonly maximumInstanceCount: number;
  readonly instanceMemoryMB: number;
  /** Always-ready instances of the Flex `http` group (0 = none). */
  readonly alwaysReadyHttpInstances: number;
  readonly keyVaultPurgeProtection: boolean;
  readonly keyVaultSoftDeleteRetentionDays: number;
  readonly tags: Readonly<Record<string, string>>;
}

function oneOf<T extends string>(config: pulumi.Config, key: string, allowed: readonly T[]): T {
  const value = config.require(key);
  if (!(allowed as readonly string[]).includes(value)) {
    throw new Error(`config ${config.name}:${key} must be one of ${allowed.join(', ')}; got "${value}"`);
  }
  return value as T;
}

function positive(config: pulumi.Config, key: string, min = 0): number {
  const value = config.requireNumber(key);
  if (!Number.isInteger(value) || value < min) {
    throw new Error(`config ${config.name}:${key} must be an integer >= ${min}; got ${value}`);
  }
  return value;
}

export function readStackConfig(config = new pulumi.Config()): StackConfig {
  return {
    location: config.require('location'),
    packagePath: config.require('packagePath'),
    readStore: readStoreConfig(config),
    cosmosCapacity: cosmosCapacity(config),
    cosmosAllowReplacement: config.requireBoolean('cosmosAllowReplacement'),
    pipeline: pipelineConfig(config),
    queryAuthLevel: oneOf(config, 'queryAuthLevel', ['anonymous', 'function'] as const),
    cacheTtlSeconds: positive(config, 'cacheTtlSeconds', 1),
    relayGraceSeconds: positive(config, 'relayGraceSeconds', 1),
    relaySchedule: ncrontab(config, 'relaySchedule'),
    logRetentionDays: positive(config, 'logRetentionDays', 30),
    zoneRedundant: config.requireBoolean('zoneRedundant'),
    redisSku: config.require('redisSku'),
    redisHighAvailability: config.requireBoolean('redisHighAvailability'),
    redisAuth: oneOf(config, 'redisAuth', ['entra', 'accessKey'] as const),
    maximumInstanceCount: positive(config, 'maximumInstanceCount', 1),
    instanceMemoryMB: oneOfNumber(config, 'instanceMemoryMB', [512, 2048, 4096]),
    alwaysReadyHttpInstances: positive(config, 'alwaysReadyHttpInstances', 0),
    keyVaultPurgeProtection: config.requireBoolean('keyVaultPurgeProtection'),
    keyVaultSoftDeleteRetentionDays: positive(config, 'keyVaultSoftDeleteRetentionDays', 7),
    tags: { project: pulumi.getProject(), environment: pulumi.getStack() },
  };
}

/** Six whitespace-separated NCRONTAB fields (second minute hour day month weekday), as the timer trigger wants. */
function ncrontab(config: pulumi.Config, key: string): string {
  const value = config.require(key).trim();
  if (!/^[0-9*,/-]+( [0-9A-Za-z*,/-]+){5}$/.test(value)) {
    throw new Error(
      `config ${config.name}:${key} must be an NCRONTAB expression with six fields (seconds first); got "${value}"`,
    );
  }
  return value;
}

function oneOfNumber(config: pulumi.Config, key: string, allowed: readonly number[]): number {
  const value = config.requireNumber(key);
  if (!allowed.includes(value)) {
    throw new Error(`config ${config.name}:${key} must be one of ${allowed.join(', ')}; got ${value}`);
  }
  return value;
}

function readStoreConfig(config: pulumi.Config): ReadStoreConfig {
  const mode = oneOf(config, 'readStore', ['container', 'external'] as const);
  if (mode === 'external') {
    const url = config.require('elasticsearchUrl');
    if (!/^https:\/\//.test(url)) {
      throw new Error(`config ${config.name}:elasticsearchUrl must be an https:// URL; got "${url}"`);
    }
    return { mode, url, apiKey: config.requireSecret('elasticsearchApiKey') };
  }
  const cpu = Number(config.require('readStoreCpu'));
  if (!Number.isFinite(cpu) || cpu < 0.5 || cpu > 4 || (cpu * 4) % 1 !== 0) {
    throw new Error(
      `config ${config.name}:readStoreCpu must be 0.5 to 4 in steps of 0.25 (Container Apps consumption); got "${config.require('readStoreCpu')}"`,
    );
  }
  const heapMB = positive(config, 'readStoreHeapMB', 256);
  const memoryMB = cpu * 2 * 1024;
  if (heapMB > memoryMB / 2) {
    throw new Error(
      `config ${config.name}:readStoreHeapMB must be at most half the container memory (${memoryMB / 2} MB for ${cpu} vCPU); got ${heapMB}`,
    );
  }
  return { mode, cpu, heapMB };
}

function cosmosCapacity(config: pulumi.Config): CosmosCapacity {
  const mode = oneOf(config, 'cosmosCapacity', ['serverless', 'autoscale'] as const);
  if (mode === 'serverless') return { mode };
  const maxThroughput = positive(config, 'cosmosAutoscaleMaxThroughput', 1000);
  if (maxThroughput % 1000 !== 0) {
    throw new Error(
      `config ${config.name}:cosmosAutoscaleMaxThroughput must be a multiple of 1000 RU/s; got ${maxThroughput}`,
    );
  }
  return { mode, maxThroughput };
}

function pipelineConfig(config: pulumi.Config): PipelineConfig {
  const repository = config.get('pipelineRepository');
  if (repository === undefined || repository === '') return undefined;
  if (!/^[A-Za-z0-9-]+\/[A-Za-z0-9._-]+$/.test(repository)) {
    throw new Error(`config ${config.name}:pipelineRepository must be owner/name; got "${repository}"`);
  }
  return { repository, environment: pulumi.getStack() };
}

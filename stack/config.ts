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

export interface StackConfig {
  /** Azure region of every resource. */
  readonly location: string;
  /** Zip built by `npm run package`, deployed by the program (relative to the project root). */
  readonly packagePath: string;
  readonly elasticsearchUrl: string;
  readonly elasticsearchApiKey: pulumi.Output<string>;
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
  const elasticsearchUrl = config.require('elasticsearchUrl');
  if (!/^https:\/\//.test(elasticsearchUrl)) {
    throw new Error(`config ${config.name}:elasticsearchUrl must be an https:// URL; got "${elasticsearchUrl}"`);
  }
  return {
    location: config.require('location'),
    packagePath: config.require('packagePath'),
    elasticsearchUrl,
    elasticsearchApiKey: config.requireSecret('elasticsearchApiKey'),
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
    throw new Error(`config ${config.name}:${key} must be an NCRONTAB expression with six fields (seconds first); got "${value}"`);
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

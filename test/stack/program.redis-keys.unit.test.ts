// The fallback Redis mode: access keys on, the primary key read with listDatabaseKeys straight into Key Vault.
import { describeStack } from './program-assertions';

describeStack(
  'dev',
  {
    storageSku: 'Standard_LRS',
    zoneRedundant: false,
    redisSku: 'Balanced_B0',
    redisHighAvailability: 'Disabled',
    alwaysReady: undefined,
    maximumInstanceCount: 40,
    instanceMemoryMB: 2048,
    relaySchedule: '0 * * * * *',
    logRetentionDays: 30,
    purgeProtection: undefined,
    softDeleteRetentionDays: 7,
    redisAuth: 'accessKey',
    cosmosCapabilities: [{ name: 'EnableServerless' }],
  },
  {
    'movie-catalog:redisAuth': 'accessKey',
    'movie-catalog:readStore': 'external',
    'movie-catalog:elasticsearchUrl': 'https://movie-catalog-dev.es.swedencentral.azure.elastic-cloud.com',
  },
);

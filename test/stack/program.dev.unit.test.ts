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
    redisAuth: 'entra',
    cosmosCapabilities: [{ name: 'EnableServerless' }],
  },
  {
    // The shared assertions cover the external read store (URL + API key); the dev default, the container
    // read store, is covered by program.read-store.unit.test.ts.
    'movie-catalog:readStore': 'external',
    'movie-catalog:elasticsearchUrl': 'https://movie-catalog-dev.es.swedencentral.azure.elastic-cloud.com',
  },
);

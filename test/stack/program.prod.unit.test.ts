import { describeStack } from './programAssertions';

describeStack('prod', {
  storageSku: 'Standard_ZRS',
  zoneRedundant: true,
  redisSku: 'Balanced_B3',
  redisHighAvailability: 'Enabled',
  redisZones: ['1', '2', '3'],
  alwaysReady: [{ name: 'http', instanceCount: 2 }],
  logRetentionDays: 90,
  purgeProtection: true,
  softDeleteRetentionDays: 90,
  redisAuth: 'entra',
  cosmosCapabilities: [],
});

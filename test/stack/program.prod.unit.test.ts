import { describeStack } from './program-assertions';

describeStack('prod', {
  storageSku: 'Standard_ZRS',
  zoneRedundant: true,
  redisSku: 'Balanced_B3',
  redisHighAvailability: 'Enabled',
  alwaysReady: [{ name: 'http', instanceCount: 2 }],
  maximumInstanceCount: 100,
  instanceMemoryMB: 2048,
  relaySchedule: '*/30 * * * * *',
  logRetentionDays: 90,
  purgeProtection: true,
  softDeleteRetentionDays: 90,
  redisAuth: 'entra',
  cosmosCapabilities: [],
});

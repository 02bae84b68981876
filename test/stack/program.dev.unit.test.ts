import { describeStack } from './programAssertions';

describeStack('dev', {
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
});

/**
 * Built-in Azure role definitions the identities are granted, by GUID (names can be localized; GUIDs cannot),
 * and the stable GUID names that data-plane assignments need.
 */
import { createHash } from 'node:crypto';

export const BUILT_IN_ROLES = {
  /** Host storage: AzureWebJobsStorage blobs (leases, keys, timer schedule) and the Flex deployment package. */
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b',
  /** Host storage: the Functions host writes its diagnostic events to Table storage. */
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3',
  /** Event Grid dead-lettering: write dead-lettered events into the one dead-letter container. */
  storageBlobDataContributor: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe',
  /** Publish CloudEvents to the topic with an Entra token (the topic has local auth disabled). */
  eventGridDataSender: 'd5a91429-5739-47e2-a06b-3470a27159e7',
  /** Resolve `@Microsoft.KeyVault(...)` app settings (the vault is in RBAC mode). */
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6',
  /** Send telemetry to an Application Insights component that has local (key) auth disabled. */
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb',
} as const;

/** Cosmos DB data-plane built-in role (not an ARM role): read/write items, no account management. */
export const COSMOS_DATA_CONTRIBUTOR = '00000000-0000-0000-0000-000000000002';

export function roleDefinitionId(subscriptionId: string, roleGuid: string): string {
  return `/subscriptions/${subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${roleGuid}`;
}

/**
 * A GUID that depends only on its parts (name-based, like Bicep's `guid()`): the same scope, principal and
 * role always give the same assignment name, so a re-run updates the assignment instead of adding another.
 * Formatted as an RFC 4122 version-5-style UUID (SHA-256 based rather than SHA-1).
 */
export function stableGuid(...parts: readonly string[]): string {
  const hex = createHash('sha256').update(parts.join('\n')).digest('hex').slice(0, 32).split('');
  hex[12] = '5';
  hex[16] = ((parseInt(hex[16] ?? '0', 16) & 0x3) | 0x8).toString(16);
  const h = hex.join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

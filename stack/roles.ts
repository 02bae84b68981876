/**
 * Built-in Azure role definitions the app identity is granted, by GUID (names can be localized; GUIDs cannot).
 */
export const BUILT_IN_ROLES = {
  /** Host storage: AzureWebJobsStorage blobs (leases, keys, timer schedule), the Flex deployment package, dead letters. */
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b',
  /** Host storage: the Functions host writes its diagnostic events to Table storage. */
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3',
  /** Publish CloudEvents to the topic with an Entra token (the topic has local auth disabled). */
  eventGridDataSender: 'd5a91429-5739-47e2-a06b-3470a27159e7',
  /** Resolve `@Microsoft.KeyVault(...)` app settings (the vault is in RBAC mode). */
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6',
} as const;

/** Cosmos DB data-plane built-in role (not an ARM role): read/write items, no account management. */
export const COSMOS_DATA_CONTRIBUTOR = '00000000-0000-0000-0000-000000000002';

export function roleDefinitionId(subscriptionId: string, roleGuid: string): string {
  return `/subscriptions/${subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${roleGuid}`;
}

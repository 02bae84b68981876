import * as pulumi from '@pulumi/pulumi';
import * as keyvault from '@pulumi/azure-native/keyvault';

export interface SecretsArgs {
  readonly resourceGroupName: pulumi.Input<string>;
  readonly location: pulumi.Input<string>;
  readonly tenantId: pulumi.Input<string>;
  readonly purgeProtection: boolean;
  readonly softDeleteRetentionInDays: number;
  /**
   * Elastic Cloud API key. Elasticsearch runs outside Azure (Elastic Cloud): there is no ARM resource that
   * could hand out its data-plane credentials, so the key arrives as a Pulumi secret and is kept here.
   */
  readonly elasticsearchApiKey?: pulumi.Input<string>;
  /**
   * Application Insights connection string. Microsoft does not class it as a secret, but it lets anyone write
   * telemetry into our workspace; a Key Vault reference costs nothing and keeps it out of settings and outputs.
   */
  readonly appInsightsConnectionString: pulumi.Input<string>;
  /** Redis access key, only when the cache uses key authentication. */
  readonly redisPrimaryKey?: pulumi.Input<string>;
  readonly tags: Readonly<Record<string, string>>;
}

/** `@Microsoft.KeyVault(SecretUri=…)` app-setting value for a versionless secret URI (picks up rotations). */
export function keyVaultReference(secretUri: pulumi.Input<string>): pulumi.Output<string> {
  // The URI is not secret, but it is read off a resource holding one: unmark it so that the app's whole
  // siteConfig does not turn into an opaque [secret] in previews.
  return pulumi.unsecret(pulumi.interpolate`@Microsoft.KeyVault(SecretUri=${secretUri})`);
}

/** Key Vault in RBAC mode holding every secret the app reads; app settings reference them. */
export class Secrets extends pulumi.ComponentResource {
  readonly vault: keyvault.Vault;
  /** Only with readStore=external (the container read store keeps its own secrets in this vault). */
  readonly elasticsearchApiKeyRef?: pulumi.Output<string>;
  readonly appInsightsConnectionStringRef: pulumi.Output<string>;
  readonly redisPasswordRef?: pulumi.Output<string>;

  constructor(name: string, args: SecretsArgs, opts?: pulumi.ComponentResourceOptions) {
    super('movie-catalog:stack:Secrets', name, {}, opts);
    const parent = { parent: this };

    this.vault = new keyvault.Vault(
      name,
      {
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        properties: {
          tenantId: args.tenantId,
          sku: { family: keyvault.SkuFamily.A, name: keyvault.SkuName.Standard },
          // Access policies are legacy; RBAC is set explicitly because older API versions default to policies.
          enableRbacAuthorization: true,
          enableSoftDelete: true,
          softDeleteRetentionInDays: args.softDeleteRetentionInDays,
          // Purge protection cannot be switched off once on, and ARM rejects an explicit `false`: omit it in dev.
          ...(args.purgeProtection ? { enablePurgeProtection: true } : {}),
          // App Service resolves Key Vault references over the public endpoint unless the app is VNet-integrated.
          publicNetworkAccess: 'Enabled',
          networkAcls: {
            bypass: keyvault.NetworkRuleBypassOptions.AzureServices,
            defaultAction: keyvault.NetworkRuleAction.Allow,
          },
        },
        tags: { ...args.tags },
      },
      parent,
    );

    const secret = (secretName: string, value: pulumi.Input<string>) =>
      new keyvault.Secret(
        `${name}-${secretName}`,
        {
          resourceGroupName: args.resourceGroupName,
          vaultName: this.vault.name,
          secretName,
          properties: { value: pulumi.secret(value) },
        },
        parent,
      );

    if (args.elasticsearchApiKey !== undefined) {
      this.elasticsearchApiKeyRef = keyVaultReference(
        secret('elasticsearch-api-key', args.elasticsearchApiKey).properties.secretUri,
      );
    }
    this.appInsightsConnectionStringRef = keyVaultReference(
      secret('appinsights-connection-string', args.appInsightsConnectionString).properties.secretUri,
    );
    if (args.redisPrimaryKey !== undefined) {
      this.redisPasswordRef = keyVaultReference(secret('redis-password', args.redisPrimaryKey).properties.secretUri);
    }
    this.registerOutputs({ vaultName: this.vault.name });
  }
}

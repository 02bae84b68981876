import * as pulumi from '@pulumi/pulumi';
import * as storage from '@pulumi/azure-native/storage';

export interface HostStorageArgs {
  readonly resourceGroupName: pulumi.Input<string>;
  /** Globally unique, 3-24 lowercase letters and digits. */
  readonly accountName: pulumi.Input<string>;
  readonly location: pulumi.Input<string>;
  readonly zoneRedundant: boolean;
  /** The dead-letter container the app reads (DEAD_LETTER_CONTAINER in shared/topology.ts). */
  readonly deadLetterContainer: string;
  /** Every other container a subscription dead-letters to (normally the same one). */
  readonly otherDeadLetterContainers?: readonly string[];
  readonly tags: Readonly<Record<string, string>>;
}

/**
 * The Functions host's storage account: keyless (identity only), plus the Flex deployment container and the
 * Event Grid dead-letter container.
 */
export class HostStorage extends pulumi.ComponentResource {
  readonly account: storage.StorageAccount;
  readonly deploymentContainer: storage.BlobContainer;
  readonly deadLetterContainer: storage.BlobContainer;
  /** https://<account>.blob.core.windows.net/ */
  readonly blobEndpoint: pulumi.Output<string>;
  readonly deploymentContainerUrl: pulumi.Output<string>;
  readonly deadLetterContainerUrl: pulumi.Output<string>;

  constructor(name: string, args: HostStorageArgs, opts?: pulumi.ComponentResourceOptions) {
    super('movie-catalog:stack:HostStorage', name, {}, opts);
    const parent = { parent: this };

    this.account = new storage.StorageAccount(
      name,
      {
        resourceGroupName: args.resourceGroupName,
        accountName: args.accountName,
        location: args.location,
        kind: storage.Kind.StorageV2,
        sku: { name: args.zoneRedundant ? storage.SkuName.Standard_ZRS : storage.SkuName.Standard_LRS },
        allowSharedKeyAccess: false,
        defaultToOAuthAuthentication: true,
        allowBlobPublicAccess: false,
        allowCrossTenantReplication: false,
        enableHttpsTrafficOnly: true,
        minimumTlsVersion: storage.MinimumTlsVersion.TLS1_2,
        tags: { ...args.tags },
      },
      parent,
    );

    const container = (logical: string, containerName: string) =>
      new storage.BlobContainer(
        `${name}-${logical}`,
        {
          resourceGroupName: args.resourceGroupName,
          accountName: this.account.name,
          containerName,
          publicAccess: storage.PublicAccess.None,
        },
        parent,
      );
    this.deploymentContainer = container('deployment', 'app-package');
    this.deadLetterContainer = container('deadletter', args.deadLetterContainer);
    const others = new Set((args.otherDeadLetterContainers ?? []).filter((c) => c !== args.deadLetterContainer));
    for (const other of others) container(`deadletter-${other}`, other);

    this.blobEndpoint = this.account.primaryEndpoints.blob;
    this.deploymentContainerUrl = pulumi.interpolate`${this.blobEndpoint}${this.deploymentContainer.name}`;
    this.deadLetterContainerUrl = pulumi.interpolate`${this.blobEndpoint}${this.deadLetterContainer.name}`;
    this.registerOutputs({ accountName: this.account.name });
  }
}

import * as pulumi from '@pulumi/pulumi';
import * as redisenterprise from '@pulumi/azure-native/redisenterprise';
import type { RedisAuth } from './config';

export const REDIS_PORT = 10000;

export interface CacheArgs {
  readonly resourceGroupName: pulumi.Input<string>;
  readonly location: pulumi.Input<string>;
  readonly sku: string;
  /**
   * Replicas on other nodes. Azure Managed Redis places them in other zones by itself in a zonal region and
   * rejects an explicit `zones` list, so there is no zone setting here.
   */
  readonly highAvailability: boolean;
  /** `entra`: access keys disabled, the identity is assigned the `default` access policy (AccessGrants). */
  readonly auth: RedisAuth;
  readonly tags: Readonly<Record<string, string>>;
}

/** Azure Managed Redis (Redis Enterprise cluster + its single database), TLS only. */
export class Cache extends pulumi.ComponentResource {
  readonly cluster: redisenterprise.RedisEnterprise;
  readonly database: redisenterprise.Database;
  /** `rediss://<host>:10000` */
  readonly url: pulumi.Output<string>;
  /** Primary access key, marked secret; only when `auth` is `accessKey` (it goes straight into Key Vault). */
  readonly primaryKey?: pulumi.Output<string>;

  constructor(name: string, args: CacheArgs, opts?: pulumi.ComponentResourceOptions) {
    super('movie-catalog:stack:Cache', name, {}, opts);
    const parent = { parent: this };

    this.cluster = new redisenterprise.RedisEnterprise(
      name,
      {
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        sku: { name: args.sku },
        minimumTlsVersion: redisenterprise.TlsVersion.TlsVersion_1_2,
        highAvailability: args.highAvailability
          ? redisenterprise.HighAvailability.Enabled
          : redisenterprise.HighAvailability.Disabled,
        // Without VNet integration the Flex app reaches Redis over its public (TLS, authenticated) endpoint.
        publicNetworkAccess: redisenterprise.PublicNetworkAccess.Enabled,
        tags: { ...args.tags },
      },
      parent,
    );

    this.database = new redisenterprise.Database(
      `${name}-db`,
      {
        resourceGroupName: args.resourceGroupName,
        clusterName: this.cluster.name,
        databaseName: 'default',
        clientProtocol: redisenterprise.Protocol.Encrypted,
        port: REDIS_PORT,
        // One endpoint that proxies to the shards: works with a plain (non-cluster-aware) ioredis client.
        clusteringPolicy: redisenterprise.ClusteringPolicy.EnterpriseCluster,
        // Only keys with a TTL are evicted (every cache entry has one).
        evictionPolicy: redisenterprise.EvictionPolicy.VolatileLRU,
        accessKeysAuthentication:
          args.auth === 'accessKey'
            ? redisenterprise.AccessKeysAuthentication.Enabled
            : redisenterprise.AccessKeysAuthentication.Disabled,
      },
      parent,
    );

    this.url = pulumi.interpolate`rediss://${this.cluster.hostName}:${REDIS_PORT}`;
    if (args.auth === 'accessKey') {
      this.primaryKey = pulumi.secret(
        redisenterprise.listDatabaseKeysOutput(
          {
            resourceGroupName: args.resourceGroupName,
            clusterName: this.cluster.name,
            databaseName: this.database.name,
          },
          parent,
        ).primaryKey,
      );
    }
    this.registerOutputs({ url: this.url });
  }
}

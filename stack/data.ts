import * as pulumi from '@pulumi/pulumi';
import * as cosmosdb from '@pulumi/azure-native/cosmosdb';
import { CosmosCapacityGuard } from './capacity';
import type { CosmosCapacity } from './config';

export const COSMOS_DATABASE = 'catalog';
export const COSMOS_CONTAINER = 'events';
/** Long operations' checkpoints and the rebuild lock (shared/adapters/cosmos-job-store.ts). */
export const COSMOS_JOBS_CONTAINER = 'jobs';
/** Autoscale's floor: the jobs container is tiny, so it gets the least autoscale allows. */
export const JOBS_AUTOSCALE_MAX_THROUGHPUT = 1000;

export interface EventStoreArgs {
  readonly resourceGroupName: pulumi.Input<string>;
  readonly location: pulumi.Input<string>;
  readonly zoneRedundant: boolean;
  /** Serverless (one region, 5,000 RU/s per container at most) or autoscale up to a maximum RU/s. */
  readonly capacity: CosmosCapacity;
  /** A capacity change replaces the account: refused (preview fails) unless this is true. */
  readonly allowReplacement: boolean;
  readonly tags: Readonly<Record<string, string>>;
}

/**
 * The write model: a Cosmos DB NoSQL account (serverless or autoscale by stack) reachable with Entra tokens only, the `catalog`
 * database and the append-only `events` container (one document per movie version, partitioned by movie).
 */
export class EventStore extends pulumi.ComponentResource {
  readonly account: cosmosdb.DatabaseAccount;
  readonly database: cosmosdb.SqlResourceSqlDatabase;
  readonly container: cosmosdb.SqlResourceSqlContainer;
  readonly jobsContainer: cosmosdb.SqlResourceSqlContainer;
  readonly endpoint: pulumi.Output<string>;

  constructor(name: string, args: EventStoreArgs, opts?: pulumi.ComponentResourceOptions) {
    super('movie-catalog:stack:EventStore', name, {}, opts);
    const parent = { parent: this };

    const guard = new CosmosCapacityGuard(
      `${name}-capacity-guard`,
      {
        mode: args.capacity.mode,
        allowReplacement: args.allowReplacement,
      },
      parent,
    );

    this.account = new cosmosdb.DatabaseAccount(
      name,
      {
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        kind: cosmosdb.DatabaseAccountKind.GlobalDocumentDB,
        databaseAccountOfferType: cosmosdb.DatabaseAccountOfferType.Standard,
        // Serverless is a capability; provisioned (autoscale) is its absence plus throughput on the container.
        capabilities: args.capacity.mode === 'serverless' ? [{ name: 'EnableServerless' }] : [],
        locations: [{ locationName: args.location, failoverPriority: 0, isZoneRedundant: args.zoneRedundant }],
        consistencyPolicy: { defaultConsistencyLevel: cosmosdb.DefaultConsistencyLevel.Session },
        disableLocalAuth: true,
        // Keys are off anyway; this also stops SDK clients from changing databases/containers (the program owns them).
        disableKeyBasedMetadataWriteAccess: true,
        minimalTlsVersion: cosmosdb.MinimalTlsVersion.Tls12,
        publicNetworkAccess: cosmosdb.PublicNetworkAccess.Enabled,
        tags: { ...args.tags, cosmosCapacity: args.capacity.mode },
      },
      { ...parent, dependsOn: [guard], protect: !args.allowReplacement },
    );

    this.database = new cosmosdb.SqlResourceSqlDatabase(
      `${name}-db`,
      {
        resourceGroupName: args.resourceGroupName,
        accountName: this.account.name,
        databaseName: COSMOS_DATABASE,
        resource: { id: COSMOS_DATABASE },
      },
      parent,
    );

    this.container = new cosmosdb.SqlResourceSqlContainer(
      `${name}-events`,
      {
        resourceGroupName: args.resourceGroupName,
        accountName: this.account.name,
        databaseName: this.database.name,
        containerName: COSMOS_CONTAINER,
        ...(args.capacity.mode === 'autoscale'
          ? { options: { autoscaleSettings: { maxThroughput: args.capacity.maxThroughput } } }
          : {}),
        resource: {
          id: COSMOS_CONTAINER,
          partitionKey: { paths: ['/movieId'], kind: cosmosdb.PartitionKind.Hash, version: 2 },
          indexingPolicy: {
            indexingMode: cosmosdb.IndexingMode.Consistent,
            automatic: true,
            includedPaths: [{ path: '/*' }],
            // Free text is never filtered on in the write store (search is Elasticsearch's job).
            excludedPaths: [{ path: '/state/description/?' }, { path: '/"_etag"/?' }],
            compositeIndexes: [
              // Current state / history of one movie: WHERE movieId = @id ORDER BY version DESC.
              [
                { path: '/movieId', order: cosmosdb.CompositePathSortOrder.Ascending },
                { path: '/version', order: cosmosdb.CompositePathSortOrder.Descending },
              ],
              // Relay: WHERE dispatched = false AND metadata.occurredAt < @cutoff ORDER BY metadata.occurredAt.
              [
                { path: '/dispatched', order: cosmosdb.CompositePathSortOrder.Ascending },
                { path: '/metadata/occurredAt', order: cosmosdb.CompositePathSortOrder.Ascending },
              ],
              // Keyset scan of movies (rebuild, verify): WHERE version = 1 AND movieId > @after ORDER BY movieId.
              [
                { path: '/version', order: cosmosdb.CompositePathSortOrder.Ascending },
                { path: '/movieId', order: cosmosdb.CompositePathSortOrder.Ascending },
              ],
            ],
          },
        },
      },
      parent,
    );

    // Jobs: one small document per job (its checkpoint) and one per lock; read and replaced by id.
    this.jobsContainer = new cosmosdb.SqlResourceSqlContainer(
      `${name}-jobs`,
      {
        resourceGroupName: args.resourceGroupName,
        accountName: this.account.name,
        databaseName: this.database.name,
        containerName: COSMOS_JOBS_CONTAINER,
        ...(args.capacity.mode === 'autoscale'
          ? { options: { autoscaleSettings: { maxThroughput: JOBS_AUTOSCALE_MAX_THROUGHPUT } } }
          : {}),
        resource: {
          id: COSMOS_JOBS_CONTAINER,
          partitionKey: { paths: ['/id'], kind: cosmosdb.PartitionKind.Hash, version: 2 },
        },
      },
      parent,
    );

    this.endpoint = this.account.documentEndpoint;
    this.registerOutputs({ endpoint: this.endpoint });
  }
}

import * as pulumi from '@pulumi/pulumi';
import * as authorization from '@pulumi/azure-native/authorization';
import * as cosmosdb from '@pulumi/azure-native/cosmosdb';
import * as managedidentity from '@pulumi/azure-native/managedidentity';
import * as redisenterprise from '@pulumi/azure-native/redisenterprise';
import { BUILT_IN_ROLES, COSMOS_DATA_CONTRIBUTOR, roleDefinitionId, stableGuid } from './roles';

export interface AppIdentityArgs {
  readonly resourceGroupName: pulumi.Input<string>;
  readonly location: pulumi.Input<string>;
  readonly tags: Readonly<Record<string, string>>;
}

/** A user-assigned identity: one for the app, one for Event Grid's dead-lettering. */
export class AppIdentity extends pulumi.ComponentResource {
  readonly identity: managedidentity.UserAssignedIdentity;
  readonly id: pulumi.Output<string>;
  readonly clientId: pulumi.Output<string>;
  readonly principalId: pulumi.Output<string>;

  constructor(name: string, args: AppIdentityArgs, opts?: pulumi.ComponentResourceOptions) {
    super('movie-catalog:stack:AppIdentity', name, {}, opts);
    this.identity = new managedidentity.UserAssignedIdentity(
      `${name}-id`,
      {
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        tags: { ...args.tags },
      },
      { parent: this },
    );
    this.id = this.identity.id;
    this.clientId = this.identity.clientId;
    this.principalId = this.identity.principalId;
    this.registerOutputs({ clientId: this.clientId });
  }
}

export interface AccessGrantsArgs {
  readonly principalId: pulumi.Input<string>;
  readonly subscriptionId: pulumi.Input<string>;
  readonly resourceGroupName: pulumi.Input<string>;
  readonly hostStorageAccountId: pulumi.Input<string>;
  readonly topicId: pulumi.Input<string>;
  readonly keyVaultId: pulumi.Input<string>;
  /** The Application Insights component (local auth off): the app sends telemetry with its identity. */
  readonly appInsightsId: pulumi.Input<string>;
  readonly cosmos: { readonly accountName: pulumi.Input<string>; readonly accountId: pulumi.Input<string> };
  /** Present when Redis uses Entra authentication: the identity gets the database's `default` access policy. */
  readonly redis?: { readonly clusterName: pulumi.Input<string>; readonly databaseName: pulumi.Input<string> };
  /**
   * Data-plane assignments (Cosmos, Redis) look the principal up in Entra at once and fail while a new identity
   * has not replicated yet: they wait for this resource (a bounded visibility check) when given.
   */
  readonly principalVisible?: pulumi.Resource;
}

/**
 * Every permission the app identity holds, in one place. The Functions app `dependsOn` this component, so
 * no grant is missing when the host starts; the code deployment retries while they propagate.
 */
export class AccessGrants extends pulumi.ComponentResource {
  /** Every grant resource, for `dependsOn`. */
  readonly resources: pulumi.Resource[] = [];

  constructor(name: string, args: AccessGrantsArgs, opts?: pulumi.ComponentResourceOptions) {
    super('movie-catalog:stack:AccessGrants', name, {}, opts);
    const parent = { parent: this };

    const armRoles: ReadonlyArray<{ key: string; role: string; scope: pulumi.Input<string> }> = [
      { key: 'storage-blob-owner', role: BUILT_IN_ROLES.storageBlobDataOwner, scope: args.hostStorageAccountId },
      {
        key: 'storage-table-contributor',
        role: BUILT_IN_ROLES.storageTableDataContributor,
        scope: args.hostStorageAccountId,
      },
      { key: 'eventgrid-sender', role: BUILT_IN_ROLES.eventGridDataSender, scope: args.topicId },
      { key: 'keyvault-secrets-user', role: BUILT_IN_ROLES.keyVaultSecretsUser, scope: args.keyVaultId },
      {
        key: 'monitoring-metrics-publisher',
        role: BUILT_IN_ROLES.monitoringMetricsPublisher,
        scope: args.appInsightsId,
      },
    ];
    for (const grant of armRoles) {
      this.resources.push(
        new authorization.RoleAssignment(
          `${name}-${grant.key}`,
          {
            principalId: args.principalId,
            // A new identity may not have replicated in Entra yet; the type lets ARM skip the lookup.
            principalType: authorization.PrincipalType.ServicePrincipal,
            roleDefinitionId: pulumi.output(args.subscriptionId).apply((sub) => roleDefinitionId(sub, grant.role)),
            scope: grant.scope,
          },
          parent,
        ),
      );
    }

    const afterVisible = { parent: this, dependsOn: args.principalVisible ? [args.principalVisible] : [] };
    // Cosmos DB data plane (local auth is disabled, so this is the only way in). The REST API names the
    // assignment by a GUID, and the provider's auto-naming would use the logical name: give it a stable one.
    const cosmosRole = pulumi.interpolate`${args.cosmos.accountId}/sqlRoleDefinitions/${COSMOS_DATA_CONTRIBUTOR}`;
    this.resources.push(
      new cosmosdb.SqlResourceSqlRoleAssignment(
        `${name}-cosmos-data-contributor`,
        {
          resourceGroupName: args.resourceGroupName,
          accountName: args.cosmos.accountName,
          roleAssignmentId: pulumi
            .all([args.cosmos.accountId, args.principalId, cosmosRole])
            .apply(([scope, principal, role]) => stableGuid(scope, principal, role)),
          principalId: args.principalId,
          roleDefinitionId: cosmosRole,
          scope: args.cosmos.accountId,
        },
        afterVisible,
      ),
    );

    if (args.redis) {
      this.resources.push(
        new redisenterprise.AccessPolicyAssignment(
          `${name}-redis-default`,
          {
            resourceGroupName: args.resourceGroupName,
            clusterName: args.redis.clusterName,
            databaseName: args.redis.databaseName,
            // Assignment names are alphanumeric only, so not auto-named from the (hyphenated) logical name.
            accessPolicyAssignmentName: 'appidentity',
            accessPolicyName: 'default',
            user: { objectId: args.principalId },
          },
          afterVisible,
        ),
      );
    }

    this.registerOutputs({});
  }
}

export interface DeadLetterGrantArgs {
  readonly principalId: pulumi.Input<string>;
  readonly subscriptionId: pulumi.Input<string>;
  /** ARM id of the one blob container Event Grid dead-letters into. */
  readonly containerId: pulumi.Input<string>;
}

/**
 * The dead-lettering identity's only permission: write blobs into the dead-letter container (not the account,
 * whose other containers hold the host's keys and the deployment package).
 */
export class DeadLetterGrant extends pulumi.ComponentResource {
  readonly assignment: authorization.RoleAssignment;

  constructor(name: string, args: DeadLetterGrantArgs, opts?: pulumi.ComponentResourceOptions) {
    super('movie-catalog:stack:DeadLetterGrant', name, {}, opts);
    this.assignment = new authorization.RoleAssignment(
      `${name}-blob-contributor`,
      {
        principalId: args.principalId,
        principalType: authorization.PrincipalType.ServicePrincipal,
        roleDefinitionId: pulumi
          .output(args.subscriptionId)
          .apply((sub) => roleDefinitionId(sub, BUILT_IN_ROLES.storageBlobDataContributor)),
        scope: args.containerId,
      },
      { parent: this },
    );
    this.registerOutputs({});
  }
}

/**
 * The identity GitHub Actions deploys this stack with, declared when `pipelineRepository` names the
 * repository: a user-assigned identity whose ONLY way in is a federated credential for the workflow jobs of
 * that repository running in the GitHub environment named like the stack (OIDC: no client secret exists).
 *
 * Least roles that `pulumi up` of this program needs, on this stack's resource group only:
 * - Contributor: create and change every resource of the program (including Key Vault secrets and Cosmos
 *   data-plane role assignments, which are ARM operations);
 * - Role Based Access Control Administrator, with a condition: it may assign and remove ONLY the built-in
 *   roles the program itself grants (so the pipeline cannot make itself or anyone an Owner).
 * The first deployment, which creates the resource group and this identity, is made by hand (README).
 */
import * as pulumi from '@pulumi/pulumi';
import * as authorization from '@pulumi/azure-native/authorization';
import * as managedidentity from '@pulumi/azure-native/managedidentity';
import { BUILT_IN_ROLES, roleDefinitionId } from './roles';

export const GITHUB_OIDC_ISSUER = 'https://token.actions.githubusercontent.com';
export const GITHUB_OIDC_AUDIENCE = 'api://AzureADTokenExchange';

/** Built-in roles of the deploying identity, by GUID. */
export const PIPELINE_ROLES = {
  contributor: 'b24988ac-6180-42a0-ab88-20f7382dd24c',
  roleBasedAccessControlAdministrator: 'f58310d9-a9f6-439a-9e8d-f62e7b41a168',
} as const;

/** The roles the program assigns (app identity, read-store identity): all the pipeline may hand out. */
export const ASSIGNABLE_ROLES: readonly string[] = Object.values(BUILT_IN_ROLES);

/** ABAC condition (version 2.0) limiting role assignment writes and deletes to `roles`. */
export function assignOnlyCondition(roles: readonly string[]): string {
  const list = roles.join(', ');
  return [
    "((!(ActionMatches{'Microsoft.Authorization/roleAssignments/write'}))",
    ` OR (@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {${list}}))`,
    " AND ((!(ActionMatches{'Microsoft.Authorization/roleAssignments/delete'}))",
    ` OR (@Resource[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {${list}}))`,
  ].join('');
}

export interface PipelineIdentityArgs {
  readonly resourceGroupName: pulumi.Input<string>;
  readonly resourceGroupId: pulumi.Input<string>;
  readonly location: pulumi.Input<string>;
  readonly subscriptionId: pulumi.Input<string>;
  /** `owner/name` of the GitHub repository. */
  readonly repository: string;
  /** GitHub environment whose jobs deploy this stack (the stack's name). */
  readonly environment: string;
  readonly tags: Readonly<Record<string, string>>;
}

export class PipelineIdentity extends pulumi.ComponentResource {
  readonly clientId: pulumi.Output<string>;
  readonly principalId: pulumi.Output<string>;
  /** The OIDC subject GitHub puts in the job's token. */
  readonly subject: string;

  constructor(name: string, args: PipelineIdentityArgs, opts?: pulumi.ComponentResourceOptions) {
    super('movie-catalog:stack:PipelineIdentity', name, {}, opts);
    const parent = { parent: this };

    const identity = new managedidentity.UserAssignedIdentity(
      name,
      {
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        tags: { ...args.tags },
      },
      parent,
    );

    this.subject = `repo:${args.repository}:environment:${args.environment}`;
    new managedidentity.FederatedIdentityCredential(
      `${name}-github-${args.environment}`,
      {
        resourceGroupName: args.resourceGroupName,
        resourceName: identity.name,
        federatedIdentityCredentialResourceName: `github-${args.environment}`,
        issuer: GITHUB_OIDC_ISSUER,
        subject: this.subject,
        audiences: [GITHUB_OIDC_AUDIENCE],
      },
      parent,
    );

    const role = (guid: string) => pulumi.output(args.subscriptionId).apply((s) => roleDefinitionId(s, guid));
    new authorization.RoleAssignment(
      `${name}-contributor`,
      {
        principalId: identity.principalId,
        principalType: authorization.PrincipalType.ServicePrincipal,
        roleDefinitionId: role(PIPELINE_ROLES.contributor),
        scope: args.resourceGroupId,
      },
      parent,
    );
    new authorization.RoleAssignment(
      `${name}-assigns-app-roles`,
      {
        principalId: identity.principalId,
        principalType: authorization.PrincipalType.ServicePrincipal,
        roleDefinitionId: role(PIPELINE_ROLES.roleBasedAccessControlAdministrator),
        scope: args.resourceGroupId,
        condition: assignOnlyCondition(ASSIGNABLE_ROLES),
        conditionVersion: '2.0',
      },
      parent,
    );

    this.clientId = identity.clientId;
    this.principalId = identity.principalId;
    this.registerOutputs({ clientId: this.clientId });
  }
}

import * as pulumi from '@pulumi/pulumi';
import * as web from '@pulumi/azure-native/web';
import type { NameValue } from './appSettings';

export const NODE_VERSION = '22';
/** Flex Consumption's per-function-group name for every HTTP-triggered function. */
export const HTTP_FUNCTION_GROUP = 'http';

export interface FunctionAppArgs {
  readonly resourceGroupName: pulumi.Input<string>;
  readonly location: pulumi.Input<string>;
  readonly identityId: pulumi.Input<string>;
  readonly deploymentContainerUrl: pulumi.Input<string>;
  readonly appSettings: readonly NameValue[];
  readonly maximumInstanceCount: number;
  readonly instanceMemoryMB: number;
  readonly alwaysReadyHttpInstances: number;
  readonly zoneRedundant: boolean;
  /** Every role/access grant of the identity: the app must not start before they exist. */
  readonly grants: readonly pulumi.Resource[];
  readonly tags: Readonly<Record<string, string>>;
}

/**
 * Host name of the app's SCM (Kudu) site. Flex apps get a unique default host name
 * (`<app>-<hash>.<region>-01.azurewebsites.net`), so the SCM host is read from the `Repository` SSL state and
 * derived from the default host name (`scm` after the first label) only when that is missing.
 */
export function scmHostName(
  defaultHostName: string,
  hostNameSslStates: ReadonlyArray<{ hostType?: string; name?: string }> | undefined,
): string {
  const repository = hostNameSslStates?.find((s) => s.hostType === 'Repository' && s.name)?.name;
  if (repository) return repository;
  const dot = defaultHostName.indexOf('.');
  if (dot < 0) throw new Error(`unexpected default host name "${defaultHostName}"`);
  return `${defaultHostName.slice(0, dot)}.scm${defaultHostName.slice(dot)}`;
}

/** Flex Consumption (FC1) plan and the Linux Node 22 Functions app, running as the user-assigned identity. */
export class FunctionApp extends pulumi.ComponentResource {
  readonly plan: web.AppServicePlan;
  readonly app: web.WebApp;
  readonly defaultHostName: pulumi.Output<string>;
  readonly scmHostName: pulumi.Output<string>;

  constructor(name: string, args: FunctionAppArgs, opts?: pulumi.ComponentResourceOptions) {
    super('movie-catalog:stack:FunctionApp', name, {}, opts);
    const parent = { parent: this };

    this.plan = new web.AppServicePlan(`${name}-plan`, {
      resourceGroupName: args.resourceGroupName,
      location: args.location,
      kind: 'functionapp',
      reserved: true, // Linux
      sku: { name: 'FC1', tier: 'FlexConsumption' },
      zoneRedundant: args.zoneRedundant,
      tags: { ...args.tags },
    }, parent);

    this.app = new web.WebApp(name, {
      resourceGroupName: args.resourceGroupName,
      location: args.location,
      kind: 'functionapp,linux',
      serverFarmId: this.plan.id,
      identity: { type: web.ManagedServiceIdentityType.UserAssigned, userAssignedIdentities: [args.identityId] },
      keyVaultReferenceIdentity: args.identityId,
      httpsOnly: true,
      publicNetworkAccess: 'Enabled',
      siteConfig: {
        appSettings: args.appSettings.map((s) => ({ name: s.name, value: s.value })),
        minTlsVersion: web.SupportedTlsVersions.SupportedTlsVersions_1_2,
        scmMinTlsVersion: web.SupportedTlsVersions.SupportedTlsVersions_1_2,
        http20Enabled: true,
      },
      functionAppConfig: {
        deployment: {
          storage: {
            type: web.FunctionsDeploymentStorageType.BlobContainer,
            value: args.deploymentContainerUrl,
            authentication: {
              type: web.AuthenticationType.UserAssignedIdentity,
              userAssignedIdentityResourceId: args.identityId,
            },
          },
        },
        runtime: { name: web.RuntimeName.Node, version: NODE_VERSION },
        scaleAndConcurrency: {
          maximumInstanceCount: args.maximumInstanceCount,
          instanceMemoryMB: args.instanceMemoryMB,
          ...(args.alwaysReadyHttpInstances > 0
            ? { alwaysReady: [{ name: HTTP_FUNCTION_GROUP, instanceCount: args.alwaysReadyHttpInstances }] }
            : {}),
        },
      },
      tags: { ...args.tags },
    }, { parent: this, dependsOn: [...args.grants] });

    // Basic-auth publishing off: the program deploys with an Entra bearer token.
    for (const [logical, Policy] of [['scm', web.WebAppScmAllowed], ['ftp', web.WebAppFtpAllowed]] as const) {
      new Policy(`${name}-${logical}-basic-auth`, {
        resourceGroupName: args.resourceGroupName,
        name: this.app.name,
        allow: false,
      }, parent);
    }

    this.defaultHostName = this.app.defaultHostName;
    this.scmHostName = pulumi
      .all([this.app.defaultHostName, this.app.hostNameSslStates])
      .apply(([host, states]) => scmHostName(host, states));
    this.registerOutputs({ defaultHostName: this.defaultHostName });
  }
}

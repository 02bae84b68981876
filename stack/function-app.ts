import * as pulumi from '@pulumi/pulumi';
import * as web from '@pulumi/azure-native/web';
import type { NameValue } from './app-settings';

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

/**
 * Flex Consumption (FC1) plan and the Linux Node 22 Functions app, running as the user-assigned identity.
 *
 * The site is declared WITHOUT `siteConfig`: given any siteConfig, the azure-native SDK adds its defaults
 * (`netFrameworkVersion: "v4.6"`, `localMySqlEnabled`, `http20Enabled`) and Flex answers 51021
 * "Site.SiteConfig.NetFrameworkVersion for Flex Consumption sites is invalid" (pulumi-azure-native#4168).
 * The app settings go through their own `sites/config/appsettings` resource instead, and TLS stays at the
 * platform's default minimum of 1.2.
 */
export class FunctionApp extends pulumi.ComponentResource {
  readonly plan: web.AppServicePlan;
  readonly app: web.WebApp;
  /** The app settings (`Microsoft.Web/sites/config/appsettings`): the code deployment waits for them. */
  readonly settings: web.WebAppApplicationSettings;
  readonly defaultHostName: pulumi.Output<string>;
  readonly scmHostName: pulumi.Output<string>;

  constructor(name: string, args: FunctionAppArgs, opts?: pulumi.ComponentResourceOptions) {
    super('movie-catalog:stack:FunctionApp', name, {}, opts);
    const parent = { parent: this };

    this.plan = new web.AppServicePlan(
      `${name}-plan`,
      {
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        kind: 'functionapp',
        reserved: true, // Linux
        sku: { name: 'FC1', tier: 'FlexConsumption' },
        zoneRedundant: args.zoneRedundant,
        tags: { ...args.tags },
      },
      parent,
    );

    this.app = new web.WebApp(
      name,
      {
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        kind: 'functionapp,linux',
        serverFarmId: this.plan.id,
        identity: { type: web.ManagedServiceIdentityType.UserAssigned, userAssignedIdentities: [args.identityId] },
        keyVaultReferenceIdentity: args.identityId,
        httpsOnly: true,
        publicNetworkAccess: 'Enabled',
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
      },
      { parent: this, dependsOn: [...args.grants] },
    );

    this.settings = new web.WebAppApplicationSettings(
      `${name}-settings`,
      {
        resourceGroupName: args.resourceGroupName,
        name: this.app.name,
        properties: Object.fromEntries(args.appSettings.map((s) => [s.name, s.value])),
      },
      parent,
    );

    // Basic-auth publishing off: the program deploys with an Entra bearer token.
    for (const [logical, Policy] of [
      ['scm', web.WebAppScmAllowed],
      ['ftp', web.WebAppFtpAllowed],
    ] as const) {
      new Policy(
        `${name}-${logical}-basic-auth`,
        {
          resourceGroupName: args.resourceGroupName,
          name: this.app.name,
          allow: false,
        },
        parent,
      );
    }

    this.defaultHostName = this.app.defaultHostName;
    this.scmHostName = pulumi
      .all([this.app.defaultHostName, this.app.hostNameSslStates])
      .apply(([host, states]) => scmHostName(host, states));
    this.registerOutputs({ defaultHostName: this.defaultHostName });
  }
}

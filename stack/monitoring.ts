import * as pulumi from '@pulumi/pulumi';
import * as applicationinsights from '@pulumi/azure-native/applicationinsights';
import * as operationalinsights from '@pulumi/azure-native/operationalinsights';

export interface MonitoringArgs {
  readonly resourceGroupName: pulumi.Input<string>;
  readonly location: pulumi.Input<string>;
  readonly retentionInDays: number;
  readonly tags: Readonly<Record<string, string>>;
}

/** Log Analytics workspace and the workspace-based Application Insights component on it. */
export class Monitoring extends pulumi.ComponentResource {
  readonly workspace: operationalinsights.Workspace;
  readonly appInsights: applicationinsights.Component;

  constructor(name: string, args: MonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
    super('movie-catalog:stack:Monitoring', name, {}, opts);
    const parent = { parent: this };

    this.workspace = new operationalinsights.Workspace(
      `${name}-logs`,
      {
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        sku: { name: operationalinsights.WorkspaceSkuNameEnum.PerGB2018 },
        retentionInDays: args.retentionInDays,
        tags: { ...args.tags },
      },
      parent,
    );

    this.appInsights = new applicationinsights.Component(
      `${name}-appi`,
      {
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        kind: 'web',
        applicationType: applicationinsights.ApplicationType.Web,
        ingestionMode: applicationinsights.IngestionMode.LogAnalytics,
        workspaceResourceId: this.workspace.id,
        retentionInDays: args.retentionInDays,
        // Entra-only ingestion, as Microsoft's Flex samples do: the connection string alone cannot write telemetry.
        disableLocalAuth: true,
        tags: { ...args.tags },
      },
      parent,
    );

    this.registerOutputs({ appInsightsName: this.appInsights.name });
  }
}

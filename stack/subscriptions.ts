import * as pulumi from '@pulumi/pulumi';
import * as eventgrid from '@pulumi/azure-native/eventgrid';
import type { SubscriptionDeclaration } from '../shared/topology';

export interface SubscriptionsArgs {
  readonly resourceGroupName: pulumi.Input<string>;
  readonly topicName: pulumi.Input<string>;
  readonly appId: pulumi.Input<string>;
  readonly subscriptions: readonly SubscriptionDeclaration[];
  readonly deadLetterStorageAccountId: pulumi.Input<string>;
  /** Identity the topic writes dead letters with (assigned to the topic; Blob Data Contributor on the container). */
  readonly identityId: pulumi.Input<string>;
  /** That identity's grant: a subscription created before it dead-letters nowhere. */
  readonly deadLetterGrant: pulumi.Resource;
  /**
   * The code deployment. Azure validates an `AzureFunction` destination when the subscription is created and
   * answers "Destination endpoint not found" unless the function is already deployed.
   */
  readonly codeDeployment: pulumi.Resource;
}

/** One Event Grid subscription per entry of `topology.subscriptions` (shared/topology.ts). */
export class Subscriptions extends pulumi.ComponentResource {
  readonly subscriptions: eventgrid.TopicEventSubscription[];

  constructor(name: string, args: SubscriptionsArgs, opts?: pulumi.ComponentResourceOptions) {
    super('movie-catalog:stack:Subscriptions', name, {}, opts);
    this.subscriptions = args.subscriptions.map(
      (s) =>
        new eventgrid.TopicEventSubscription(
          `${name}-${s.name}`,
          {
            resourceGroupName: args.resourceGroupName,
            topicName: args.topicName,
            eventSubscriptionName: s.name,
            destination: {
              endpointType: 'AzureFunction',
              resourceId: pulumi.interpolate`${args.appId}/functions/${s.functionName}`,
              maxEventsPerBatch: 1,
              preferredBatchSizeInKilobytes: 64,
            },
            eventDeliverySchema: eventgrid.EventDeliverySchema.CloudEventSchemaV1_0,
            filter: { includedEventTypes: [...s.includedEventTypes] },
            retryPolicy: {
              maxDeliveryAttempts: s.retry.maxDeliveryAttempts,
              eventTimeToLiveInMinutes: s.retry.eventTimeToLiveInMinutes,
            },
            deadLetterWithResourceIdentity: {
              identity: {
                type: eventgrid.EventSubscriptionIdentityType.UserAssigned,
                userAssignedIdentity: args.identityId,
              },
              deadLetterDestination: {
                endpointType: 'StorageBlob',
                resourceId: args.deadLetterStorageAccountId,
                blobContainerName: s.deadLetterContainer,
              },
            },
          },
          { parent: this, dependsOn: [args.codeDeployment, args.deadLetterGrant] },
        ),
    );
    this.registerOutputs({});
  }
}

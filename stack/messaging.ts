import * as pulumi from '@pulumi/pulumi';
import * as eventgrid from '@pulumi/azure-native/eventgrid';
import type { TopicDeclaration } from '../shared/topology';

export interface MessagingArgs {
  readonly resourceGroupName: pulumi.Input<string>;
  readonly location: pulumi.Input<string>;
  readonly topology: TopicDeclaration;
  /** The dead-lettering identity: the topic writes dead letters with it (storage has shared keys off). */
  readonly identityId: pulumi.Input<string>;
  readonly tags: Readonly<Record<string, string>>;
}

/** The Event Grid topic the command side publishes CloudEvents 1.0 to. Entra-only (no SAS keys). */
export class Messaging extends pulumi.ComponentResource {
  readonly topic: eventgrid.Topic;
  readonly endpoint: pulumi.Output<string>;

  constructor(name: string, args: MessagingArgs, opts?: pulumi.ComponentResourceOptions) {
    super('movie-catalog:stack:Messaging', name, {}, opts);
    this.topic = new eventgrid.Topic(
      args.topology.name,
      {
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        inputSchema: eventgrid.InputSchema.CloudEventSchemaV1_0,
        disableLocalAuth: true,
        minimumTlsVersionAllowed: eventgrid.TlsVersion.TlsVersion_1_2,
        publicNetworkAccess: eventgrid.PublicNetworkAccess.Enabled,
        identity: {
          type: eventgrid.IdentityType.UserAssigned,
          // A map keyed by resource id: computing the key needs the id (no resource is created here).
          userAssignedIdentities: pulumi.output(args.identityId).apply((id) => ({ [id]: {} })),
        },
        tags: { ...args.tags },
      },
      { parent: this },
    );
    this.endpoint = this.topic.endpoint;
    this.registerOutputs({ endpoint: this.endpoint });
  }
}

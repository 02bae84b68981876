/**
 * The ONE declaration of the event topology: the topic and every subscription on it.
 * Read by the Pulumi program (stack/) to create Event Grid subscriptions and by the local host to
 * route events, so cloud and local wiring cannot drift.
 */
import { MOVIE_EVENT_TYPES, cloudEventType } from './domain/events';

export interface SubscriptionDeclaration {
  /** Subscription name (Azure: 3-64 chars, letters, digits, hyphens). */
  readonly name: string;
  /** The Event Grid-triggered function (registry name) that receives the events. */
  readonly functionName: string;
  /** CloudEvents `type` values delivered; everything else is filtered out. */
  readonly includedEventTypes: readonly string[];
  readonly retry: { readonly maxDeliveryAttempts: number; readonly eventTimeToLiveInMinutes: number };
  /** Dead-letter destination: a blob container name in Azure, a folder of that name locally. */
  readonly deadLetterContainer: string;
}

export interface TopicDeclaration {
  readonly name: string;
  /** CloudEvents `source` of everything the catalog publishes. */
  readonly source: string;
  readonly inputSchema: 'CloudEventSchemaV1_0';
  readonly subscriptions: readonly SubscriptionDeclaration[];
}

export const DEAD_LETTER_CONTAINER = 'deadletter';

export const topology: TopicDeclaration = {
  name: 'movie-events',
  source: '/movie-catalog/movies',
  inputSchema: 'CloudEventSchemaV1_0',
  subscriptions: [
    {
      name: 'projector',
      functionName: 'projector',
      includedEventTypes: MOVIE_EVENT_TYPES.map(cloudEventType),
      retry: { maxDeliveryAttempts: 10, eventTimeToLiveInMinutes: 1440 },
      deadLetterContainer: DEAD_LETTER_CONTAINER,
    },
  ],
};

/**
 * EventPublisher on Event Grid through the real @azure/eventgrid client, as CloudEvents 1.0:
 * id = event id, type Movies.<Event>.v1, subject movies/<id>, data = full state + metadata, and the
 * command's traceparent as an extension. A key authenticates locally; the app's managed identity in Azure.
 */
import { AzureKeyCredential, EventGridPublisherClient, type SendCloudEventInput } from '@azure/eventgrid';
import type { TokenCredential } from '@azure/core-auth';
import { cloudEventType } from '../domain/events';
import type { CloudEventEnvelope, DependencyStatus, EventPublisher, StoredEvent } from '../ports';
import { topology } from '../topology';

/** The CloudEvent sent for a stored event. */
export function toCloudEvent(event: StoredEvent): SendCloudEventInput<unknown> {
  const { traceparent } = event.metadata;
  return {
    id: event.id,
    source: topology.source,
    type: cloudEventType(event.type),
    subject: `movies/${event.movieId}`,
    time: new Date(event.metadata.occurredAt),
    datacontenttype: 'application/json',
    data: { type: event.type, state: event.state, changed: event.changed, metadata: event.metadata },
    ...(traceparent ? { extensionAttributes: { traceparent } } : {}),
  };
}

/** The CloudEvent of a stored event as it travels on the wire (what a subscriber receives). */
export function cloudEventEnvelope(event: StoredEvent): CloudEventEnvelope {
  const { time, extensionAttributes, ...rest } = toCloudEvent(event);
  return {
    specversion: '1.0',
    ...rest,
    ...(time !== undefined ? { time: time.toISOString() } : {}),
    ...extensionAttributes,
  } as CloudEventEnvelope;
}

/** A received CloudEvent back into send form (redrive). */
export function fromEnvelope(envelope: CloudEventEnvelope): SendCloudEventInput<unknown> {
  const { specversion: _v, id, source, type, subject, time, datacontenttype, data, ...extensionAttributes } = envelope;
  return {
    id,
    source,
    type,
    ...(subject !== undefined ? { subject } : {}),
    ...(time !== undefined ? { time: new Date(time) } : {}),
    ...(datacontenttype !== undefined ? { datacontenttype } : {}),
    data,
    ...(Object.keys(extensionAttributes).length > 0 ? { extensionAttributes: extensionAttributes } : {}),
  };
}

export interface EventGridPublisherOptions {
  readonly endpoint: string;
  /** Access key (local topic). Without it, `credential` (managed identity) is used. */
  readonly key?: string;
  readonly credential?: TokenCredential;
  readonly embedded?: boolean;
  /** Client retries per publish; the relay covers anything beyond. */
  readonly maxRetries?: number;
}

export function createEventGridPublisher(options: EventGridPublisherOptions): EventPublisher {
  const credential = options.key ? new AzureKeyCredential(options.key) : options.credential;
  if (!credential) throw new Error('EventGrid publisher needs a key or a credential');
  const client = new EventGridPublisherClient(options.endpoint, 'CloudEvent', credential, {
    allowInsecureConnection: options.endpoint.startsWith('http://'),
    retryOptions: { maxRetries: options.maxRetries ?? 2, retryDelayInMs: 100, maxRetryDelayInMs: 1000 },
  });
  let lastOutcome: DependencyStatus | undefined;
  async function send(events: SendCloudEventInput<unknown>[]): Promise<void> {
    if (events.length === 0) return;
    try {
      await client.send(events);
      lastOutcome = options.embedded ? 'embedded' : 'up';
    } catch (error) {
      lastOutcome = 'down';
      throw error;
    }
  }
  return {
    publish: (events) => send(events.map(toCloudEvent)),
    publishRaw: (events) => send(events.map(fromEnvelope)),
    // Event Grid has no cheap probe: report the outcome of the last publish (unknown counts as up).
    async health() {
      return lastOutcome ?? (options.embedded ? 'embedded' : 'up');
    },
  };
}

/**
 * EventPublisher in memory: keeps every CloudEvent the topic accepted, in order, exactly as the Event Grid
 * publisher would put it on the wire (one mapping, toCloudEvent). `down` makes every publish throw, as a
 * topic outage does; nothing of a rejected batch is kept.
 */
import { cloudEventEnvelope } from './eventgrid-publisher';
import type { CloudEventEnvelope, DependencyStatus, EventPublisher } from '../ports';

export interface MemoryPublisher extends EventPublisher {
  /** Every event accepted so far, oldest first. */
  readonly accepted: CloudEventEnvelope[];
  /** While true, publish and publishRaw throw and accept nothing. */
  down: boolean;
}

export class TopicUnavailableError extends Error {
  constructor() {
    super('topic unavailable (in-memory publisher is down)');
    this.name = 'TopicUnavailableError';
  }
}

export function createMemoryPublisher(): MemoryPublisher {
  let lastOutcome: DependencyStatus = 'embedded';
  const publisher: MemoryPublisher = {
    accepted: [],
    down: false,
    async publish(events) {
      accept(events.map(cloudEventEnvelope));
    },
    async publishRaw(events) {
      accept(events.map((e) => structuredClone(e)));
    },
    async health() {
      return lastOutcome;
    },
  };
  function accept(envelopes: CloudEventEnvelope[]): void {
    if (envelopes.length === 0) return;
    if (publisher.down) {
      lastOutcome = 'down';
      throw new TopicUnavailableError();
    }
    lastOutcome = 'embedded';
    publisher.accepted.push(...envelopes);
  }
  return publisher;
}

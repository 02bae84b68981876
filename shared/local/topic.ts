/**
 * A local Event Grid topic with Event Grid's delivery semantics: the real EventGridPublisherClient
 * publishes CloudEvents 1.0 batches to it (aeg-sas-key checked); each event goes to every subscription
 * of the topology whose event-type filter matches; delivery is at-least-once with exponential backoff
 * until the subscription's max attempts or event TTL, then the event is dead-lettered with the reason.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InvocationContext } from '@azure/functions';
import { AppError } from '../errors';
import type { CloudEventEnvelope, Deps, Logger } from '../ports';
import { describeError, type EventGridFunctionDefinition } from '../registry';
import type { SubscriptionDeclaration } from '../topology';
import { recordDeadLettered } from '../observability';
import { keyedRandom, type KeyedRandom } from './keyed-random';

export const TOPIC_PATH = '/runtime/eventgrid/api/events';
export const MAX_BATCH_BYTES = 1024 * 1024;

export interface TopicChaos {
  /** Probability that a publish is answered 503 (nothing accepted). */
  rejectPublishRate?: number;
  /** Probability that an accepted event is delivered twice. */
  duplicateRate?: number;
  /** Each delivery waits a random 0..maxDelayMs first, so deliveries overtake each other. */
  maxDelayMs?: number;
  /**
   * With a seed, every decision above is drawn from its own stream keyed by the seed and the event id
   * (a publish by its batch's event ids), so a re-run with the seed makes the same decisions.
   */
  seed?: number;
}

export interface TopicStats {
  published: number;
  rejected: number;
  deliveries: number;
  retries: number;
  delivered: number;
  deadLettered: number;
  duplicated: number;
}

interface Route {
  readonly subscription: SubscriptionDeclaration;
  readonly definition: EventGridFunctionDefinition;
}

/** The topic authenticates nothing itself: the host checks aeg-sas-key before it calls accept(). */
export interface LocalTopicOptions {
  readonly subscriptions: readonly SubscriptionDeclaration[];
  readonly functions: readonly EventGridFunctionDefinition[];
  /** The handlers' dependencies; dead letters go to their dead-letter store. */
  readonly deps: () => Deps;
  readonly backoffMs: number;
  readonly logger: Logger;
  readonly maxConcurrency?: number;
  /**
   * Makes accepted events durable, as Event Grid's are: each pending delivery is journaled here until it
   * is delivered or dead-lettered, and a new topic on the same folder resumes them after a restart.
   */
  readonly journalDir?: string;
}

interface JournalEntry {
  readonly subscription: string;
  readonly event: CloudEventEnvelope;
  readonly publishedAt: number;
}

/** A batch the topic refuses: 400 (not valid CloudEvents) or 503 (unavailable, chaos); a problem like any other. */
export class PublishRejected extends AppError {
  readonly title: string;
  constructor(
    readonly status: 400 | 503,
    message: string,
  ) {
    super(message);
    this.title = status === 503 ? 'Service unavailable' : 'Invalid event';
  }
}

function validateEnvelope(value: unknown, index: number): CloudEventEnvelope {
  const e = value as Partial<CloudEventEnvelope> | null;
  const problems: string[] = [];
  if (!e || typeof e !== 'object' || Array.isArray(e))
    throw new PublishRejected(400, `event ${index} is not an object`);
  if (e.specversion !== '1.0') problems.push('specversion must be "1.0"');
  for (const field of ['id', 'source', 'type'] as const)
    if (typeof e[field] !== 'string' || !e[field]) problems.push(`${field} is required`);
  if (problems.length > 0) throw new PublishRejected(400, `event ${index}: ${problems.join(', ')}`);
  return e as CloudEventEnvelope;
}

export class LocalTopic {
  readonly stats: TopicStats = {
    published: 0,
    rejected: 0,
    deliveries: 0,
    retries: 0,
    delivered: 0,
    deadLettered: 0,
    duplicated: 0,
  };
  chaos: TopicChaos = {};
  private keyed: { seed: number; random: KeyedRandom } | undefined;
  private readonly routes: Route[];
  /** Deliveries resumed from the journal at start-up. */
  readonly recovered: number;
  private pending = 0;
  private running = 0;
  private readonly queue: Array<() => void> = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private idleWaiters: Array<() => void> = [];
  private stopped = false;

  constructor(private readonly options: LocalTopicOptions) {
    this.routes = options.subscriptions.map((subscription) => {
      const definition = options.functions.find((f) => f.name === subscription.functionName);
      if (!definition)
        throw new Error(
          `subscription ${subscription.name} targets ${subscription.functionName}, which is not an Event Grid function`,
        );
      return { subscription, definition };
    });
    this.recovered = this.recover();
  }

  private recover(): number {
    const dir = this.options.journalDir;
    if (!dir) return 0;
    mkdirSync(dir, { recursive: true });
    let count = 0;
    for (const name of readdirSync(dir).filter((n) => n.endsWith('.json'))) {
      let entry: JournalEntry;
      try {
        entry = JSON.parse(readFileSync(join(dir, name), 'utf8')) as JournalEntry;
      } catch {
        rmSync(join(dir, name), { force: true });
        continue;
      }
      const route = this.routes.find((r) => r.subscription.name === entry.subscription);
      if (!route) continue;
      this.schedule(route, entry.event, 1, entry.publishedAt, 0, name);
      count++;
    }
    return count;
  }

  private journal(route: Route, event: CloudEventEnvelope, publishedAt: number): string | undefined {
    const dir = this.options.journalDir;
    if (!dir) return undefined;
    const name = `${publishedAt}-${route.subscription.name}-${randomUUID()}.json`;
    const entry: JournalEntry = { subscription: route.subscription.name, event, publishedAt };
    writeFileSync(join(dir, name), JSON.stringify(entry));
    return name;
  }

  private forget(journalName: string | undefined): void {
    if (journalName && this.options.journalDir) rmSync(join(this.options.journalDir, journalName), { force: true });
  }

  /** Accepts a published batch (already authenticated). Throws PublishRejected for a bad batch. */
  /** A chaos decision in [0, 1): from the seeded stream of (kind, key) when a seed is set, else Math.random. */
  private draw(kind: string, key: string): number {
    const seed = this.chaos.seed;
    if (seed === undefined) return Math.random();
    if (this.keyed?.seed !== seed) this.keyed = { seed, random: keyedRandom(seed) };
    return this.keyed.random(kind, key);
  }

  accept(body: unknown): number {
    const publishKey = (Array.isArray(body) ? body : [body])
      .map((e: unknown) => String((e as { id?: unknown } | null)?.id))
      .join(',');
    if (this.chaos.rejectPublishRate && this.draw('reject-publish', publishKey) < this.chaos.rejectPublishRate) {
      this.stats.rejected++;
      throw new PublishRejected(503, 'chaos: topic unavailable');
    }
    const batch = Array.isArray(body) ? body : [body];
    if (batch.length === 0) throw new PublishRejected(400, 'empty batch');
    const events = batch.map(validateEnvelope);
    for (const event of events) {
      this.stats.published++;
      for (const route of this.routes) {
        if (!route.subscription.includedEventTypes.includes(event.type)) continue;
        const now = Date.now();
        const key = `${route.subscription.name}/${event.id}`;
        this.schedule(
          route,
          event,
          1,
          now,
          this.chaos.maxDelayMs ? this.draw('delay', key) * this.chaos.maxDelayMs : 0,
          this.journal(route, event, now),
        );
        if (this.chaos.duplicateRate && this.draw('duplicate', key) < this.chaos.duplicateRate) {
          this.stats.duplicated++;
          this.schedule(
            route,
            event,
            1,
            now,
            this.draw('duplicate-delay', key) * (this.chaos.maxDelayMs ?? 50),
            this.journal(route, event, now),
          );
        }
      }
    }
    return events.length;
  }

  /** Resolves when no delivery is pending or waiting for a retry. */
  idle(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  get pendingDeliveries(): number {
    return this.pending;
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  private schedule(
    route: Route,
    event: CloudEventEnvelope,
    attempt: number,
    publishedAt: number,
    delayMs: number,
    journalName?: string,
  ): void {
    if (this.stopped) return;
    this.pending++;
    const run = () => this.enqueue(() => this.deliver(route, event, attempt, publishedAt, journalName));
    if (delayMs <= 0) run();
    else {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        run();
      }, delayMs);
      this.timers.add(timer);
    }
  }

  private enqueue(job: () => Promise<void>): void {
    const start = () => {
      this.running++;
      void job().finally(() => {
        this.running--;
        this.pending--;
        this.queue.shift()?.();
        if (this.pending === 0) {
          const waiters = this.idleWaiters;
          this.idleWaiters = [];
          for (const w of waiters) w();
        }
      });
    };
    if (this.running < (this.options.maxConcurrency ?? 16)) start();
    else this.queue.push(start);
  }

  private async deliver(
    route: Route,
    event: CloudEventEnvelope,
    attempt: number,
    publishedAt: number,
    journalName?: string,
  ): Promise<void> {
    if (this.stopped) return;
    const { subscription, definition } = route;
    this.stats.deliveries++;
    const context = new InvocationContext({
      functionName: definition.name,
      invocationId: randomUUID(),
      retryContext: { retryCount: attempt - 1, maxRetryCount: subscription.retry.maxDeliveryAttempts - 1 },
      logHandler: (level, ...args) => {
        if (level === 'error' || level === 'critical') this.options.logger.error(...args);
        else if (level === 'warning') this.options.logger.warn(...args);
      },
      triggerMetadata: { subscription: subscription.name },
    });
    try {
      await definition.handler(event, context, this.options.deps());
      this.stats.delivered++;
      this.forget(journalName);
    } catch (error) {
      const ttlMs = subscription.retry.eventTimeToLiveInMinutes * 60_000;
      const expired = Date.now() - publishedAt >= ttlMs;
      if (attempt >= subscription.retry.maxDeliveryAttempts || expired) {
        await this.deadLetter(
          subscription,
          event,
          attempt,
          expired ? 'TimeToLiveExceeded' : 'MaxDeliveryAttemptsExceeded',
          error,
        );
        this.forget(journalName);
        return;
      }
      this.stats.retries++;
      const base = this.options.backoffMs * 2 ** (attempt - 1);
      const delay =
        Math.min(base, this.options.backoffMs * 64) *
        (0.8 + this.draw('backoff-jitter', `${subscription.name}/${event.id}`) * 0.4);
      this.schedule(route, event, attempt + 1, publishedAt, delay, journalName);
    }
  }

  private async deadLetter(
    subscription: SubscriptionDeclaration,
    event: CloudEventEnvelope,
    attempts: number,
    reason: string,
    error: unknown,
  ): Promise<void> {
    this.stats.deadLettered++;
    recordDeadLettered(subscription.name, reason);
    try {
      await this.options.deps().deadLetters.put({
        subscription: subscription.name,
        event,
        reason,
        deliveryAttempts: attempts,
        deadLetteredAt: new Date().toISOString(),
        lastError: describeError(error),
      });
      this.options.logger.warn(
        `event ${event.id} dead-lettered from ${subscription.name} after ${attempts} attempts: ${describeError(error)}`,
      );
    } catch (writeError) {
      this.options.logger.error(`could not dead-letter event ${event.id}: ${describeError(writeError)}`);
    }
  }
}

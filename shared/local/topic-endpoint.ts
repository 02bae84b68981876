/**
 * The local Event Grid topic as the host serves it: the topic itself, delivering to the subscribed
 * functions (durable where the write store is), and its publish endpoint (POST, aeg-sas-key, a JSON
 * batch of at most 1 MB). Every refusal is a thrown AppError the host answers as a problem.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { Config } from '../config';
import { MalformedJsonError, MethodNotAllowedError } from '../errors';
import type { Deps, Logger } from '../ports';
import type { FunctionDefinition, EventGridFunctionDefinition } from '../registry';
import { topology } from '../topology';
import { authorizeTopic, type LocalHostKeys } from './auth';
import { readBody } from './exchange';
import { LocalTopic, MAX_BATCH_BYTES } from './topic';

export interface TopicOptions {
  /** The configuration the host runs on (the write store it actually uses). */
  readonly config: Config;
  readonly functions: readonly FunctionDefinition[];
  readonly deps: Deps;
  readonly logger: Logger;
  /** Journal pending deliveries (only where the write store outlives this process). */
  readonly durable: boolean;
}

/** One journal per write store: a host must never resume deliveries that belong to another system. */
function journalScope(config: Config): string {
  const { endpoint, database, container } = config.cosmos;
  return createHash('sha256')
    .update(`${endpoint ?? 'overridden'}|${database}|${container}`)
    .digest('hex')
    .slice(0, 16);
}

export function openLocalTopic({ config, functions, deps, logger, durable }: TopicOptions): LocalTopic {
  const topic = new LocalTopic({
    subscriptions: topology.subscriptions,
    functions: functions.filter((f): f is EventGridFunctionDefinition => f.kind === 'eventGrid'),
    deps: () => deps,
    backoffMs: config.local.eventGridBackoffMs,
    logger,
    maxConcurrency: 64,
    // Durable like Event Grid, but only where the write store outlives this process: replaying a
    // journal into fresh in-memory stores would invent movies nobody can see in the write store.
    journalDir: durable ? join(config.local.topicJournalDir, journalScope(config)) : undefined,
  });
  if (topic.recovered > 0) logger.log(`topic: resumed ${topic.recovered} pending deliveries from the journal`);
  return topic;
}

/** The publish endpoint: accepts a batch into `topic`, or throws the problem that refuses it. */
export function topicEndpoint(topic: LocalTopic, keys: LocalHostKeys) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method !== 'POST') throw new MethodNotAllowedError('The topic accepts POST only.', ['POST']);
    authorizeTopic(req.headers['aeg-sas-key'] as string | undefined, keys);
    const bytes = await readBody(req, MAX_BATCH_BYTES, 'A batch is limited to 1 MB.');
    let batch: unknown;
    try {
      batch = JSON.parse(bytes.toString('utf8'));
    } catch {
      throw new MalformedJsonError('The batch is not valid JSON.');
    }
    topic.accept(batch);
    res.statusCode = 200;
    res.end();
  };
}

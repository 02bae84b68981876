/**
 * The local Functions host. Azure Functions Core Tools cannot run here, so this host loads the same
 * function definitions and serves them like the Azure host does: every HTTP function at /api/<route>
 * with real HttpRequest / InvocationContext objects and auth levels enforced; the local Event Grid topic
 * delivering to the subscribed functions; timer functions on their schedules. Embedded services stand in
 * for whatever the configuration does not point at.
 *
 * This file composes the units that do each of those: server.ts (listening), auth.ts (keys, 401),
 * router.ts (routes, 404, 405), exchange.ts (Node messages to and from the programming model's),
 * problems.ts (every problem through the one mapper), dispatch.ts (one request), backing.ts (embedded
 * Cosmos and the composition root), topic-endpoint.ts (the Event Grid topic), timers.ts (schedules).
 */
import type { Config } from '../config';
import type { ServiceDescription } from '../composition';
import type { Deps, Logger } from '../ports';
import type { FunctionDefinition, HttpFunctionDefinition, TimerFunctionDefinition } from '../registry';
import { ingestionHost, startTelemetry, stopTelemetry } from '../telemetry';
import { hostKeys, type LocalHostKeys } from './auth';
import { startBacking, type Backing } from './backing';
import { createDispatcher } from './dispatch';
import { createRouter } from './router';
import { listenHost } from './server';
import { startTimers, type LocalTimers } from './timers';
import { openLocalTopic, topicEndpoint } from './topic-endpoint';
import type { LocalTopic } from './topic';

export { compileRoute } from './router';
export { functionKey, isAuthorized, type LocalHostKeys } from './auth';
export { HOST_MAX_BODY_BYTES } from './exchange';
export { rawProblem } from './problems';
export { resolveSchedule } from './timers';

export interface LocalHost {
  readonly url: string;
  readonly port: number;
  readonly keys: LocalHostKeys;
  readonly topic: LocalTopic;
  readonly topicEndpoint: string;
  readonly deps: Deps;
  readonly services: readonly ServiceDescription[];
  readonly functions: readonly FunctionDefinition[];
  /** Runs a timer function now (tests; the schedule runs it too). */
  runTimer(name: string): Promise<void>;
  stop(): Promise<void>;
}

export interface LocalHostOptions {
  readonly config: Config;
  readonly functions: readonly FunctionDefinition[];
  readonly logger?: Logger;
  readonly overrides?: Partial<Deps>;
  /** Run timer functions on their schedules (default true). */
  readonly timers?: boolean;
  /** Where the host listens (default 127.0.0.1; PORT from config). */
  readonly hostname?: string;
}

/** The backing services, plus Application Insights when telemetry runs. */
function servicesOf(backing: Backing, config: Config, telemetry: boolean): readonly ServiceDescription[] {
  const connectionString = config.appInsightsConnectionString;
  if (!telemetry || !connectionString) return backing.services;
  return [
    ...backing.services,
    { port: 'telemetry', kind: 'Application Insights', target: ingestionHost(connectionString) },
  ];
}

export async function startLocalHost(options: LocalHostOptions): Promise<LocalHost> {
  const { config, functions } = options;
  const logger = options.logger ?? console;
  // Application Insights only when a connection string is set (it costs ~1 s to load otherwise).
  const telemetry = await startTelemetry(config);
  const server = await listenHost(config.port, options.hostname);
  let backing: Backing | undefined;
  let topic: LocalTopic | undefined;
  let timers: LocalTimers | undefined;
  const release = async () => {
    timers?.stop();
    topic?.stop();
    await server.close();
    await backing?.close();
  };
  try {
    const httpFunctions = functions.filter((f): f is HttpFunctionDefinition => f.kind === 'http');
    const keys = hostKeys(config, httpFunctions);
    backing = await startBacking({
      config,
      baseUrl: server.url,
      topicKey: keys.topic,
      logger,
      overrides: options.overrides,
    });
    const { deps } = backing;
    const durable = !backing.embeddedCosmos;
    topic = openLocalTopic({ config: backing.config, functions, deps, logger, durable });
    const timerFunctions = functions.filter((f): f is TimerFunctionDefinition => f.kind === 'timer');
    timers = startTimers(timerFunctions, { config: backing.config, deps, logger, scheduled: options.timers ?? true });
    const router = createRouter(httpFunctions);
    server.serve(
      createDispatcher({ baseUrl: server.url, router, keys, topic: topicEndpoint(topic, keys), deps, logger }),
    );
    const running = timers;
    return {
      url: server.url,
      port: server.port,
      keys,
      topic,
      topicEndpoint: backing.topicEndpoint,
      deps,
      services: servicesOf(backing, config, telemetry),
      functions,
      runTimer: (name) => running.run(name),
      async stop() {
        await release();
        if (telemetry) await stopTelemetry();
      },
    };
  } catch (error) {
    await release();
    throw error;
  }
}

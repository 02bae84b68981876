/**
 * The services behind the local host: whatever the configuration points at, with the embedded Cosmos
 * server standing in for a write store it does not name and the host's own topic for a topic it does not
 * name, wired into `Deps` by the composition root.
 */
import type { Config } from '../config';
import { createDeps, type ServiceDescription } from '../composition';
import type { Deps, Logger } from '../ports';
import { startEmbeddedCosmos } from './cosmos';
import { TOPIC_PATH } from './topic';

export interface BackingOptions {
  readonly config: Config;
  /** The host's base URL: the local topic is served there. */
  readonly baseUrl: string;
  readonly topicKey: string;
  readonly logger: Logger;
  readonly overrides?: Partial<Deps>;
}

export interface Backing {
  /** The configuration the host runs on: the embedded write store and the topic filled in. */
  readonly config: Config;
  readonly deps: Deps;
  readonly services: readonly ServiceDescription[];
  readonly topicEndpoint: string;
  /** The write store is the embedded server, which lives and dies with this process. */
  readonly embeddedCosmos: boolean;
  close(): Promise<void>;
}

export async function startBacking({ config, baseUrl, topicKey, logger, overrides }: BackingOptions): Promise<Backing> {
  const cosmos = !config.cosmos.endpoint && !overrides?.eventStore ? await startEmbeddedCosmos() : undefined;
  const localTopicEndpoint = `${baseUrl}${TOPIC_PATH}`;
  const topicEndpoint = config.eventGrid.endpoint ?? localTopicEndpoint;
  const effective: Config = {
    ...config,
    cosmos: cosmos ? { ...config.cosmos, endpoint: cosmos.endpoint, key: cosmos.key } : config.cosmos,
    eventGrid: { endpoint: topicEndpoint, key: topicKey },
  };
  try {
    const composition = await createDeps(effective, {
      mode: 'local',
      logger,
      embedded: { cosmos: cosmos !== undefined, topic: topicEndpoint === localTopicEndpoint },
      overrides,
    });
    return {
      config: effective,
      deps: composition.deps,
      services: composition.services,
      topicEndpoint,
      embeddedCosmos: cosmos !== undefined,
      async close() {
        await composition.close();
        await cosmos?.close();
      },
    };
  } catch (error) {
    await cosmos?.close();
    throw error;
  }
}

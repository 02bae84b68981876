/**
 * A brand-new managed identity is often not yet known to Cosmos DB or Redis data-plane role assignments
 * ("principal ID … was not found in the AAD tenant", pulumi/pulumi-azure-native#2816), and azure-native
 * resources have no retry option. `PrincipalVisible` waits, bounded, until Microsoft Graph returns the
 * identity's service principal; the data-plane assignments take their principal id from it, so they are
 * created only after the wait. When the deploying identity may not read Graph (401/403), it waits a fixed
 * settle time instead and says so.
 *
 * Runs in Pulumi's provider host, serialized like deploy.ts: no module-level imports except our own
 * serializable modules, plain module-level data.
 */
import * as pulumi from '@pulumi/pulumi';
import { type ProviderAuth, providerIdentity, readProviderAuth } from './azure-credential';

export const PUBLIC_GRAPH_ENDPOINT = 'https://graph.microsoft.com';

export interface PrincipalWaitInputs {
  readonly principalId: string;
  /** The cloud's Microsoft Graph endpoint; the token audience is `<graphEndpoint>/.default`. */
  readonly graphEndpoint: string;
  /** Graph checks, the first included. */
  readonly attempts: number;
  readonly intervalSeconds: number;
  /** Fixed wait when Graph cannot be read by the deploying identity. */
  readonly settleSeconds: number;
}

export interface PrincipalWaitOutputs extends PrincipalWaitInputs {
  /** How the wait ended: seen in Graph, or the fixed settle time. */
  readonly visibility: 'graph' | 'settled';
}

export interface PrincipalWaitDeps {
  readonly fetch: typeof globalThis.fetch;
  readonly getToken: () => Promise<string>;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly log?: (message: string) => void;
}

/**
 * GET {graph}/v1.0/servicePrincipals/{principalId}: 200 = visible; 404 (and 429/5xx) = check again after the
 * interval, at most `attempts` times; 401/403 = Graph is not readable for us, wait `settleSeconds` once.
 */
export async function waitForPrincipal(
  inputs: PrincipalWaitInputs,
  deps: PrincipalWaitDeps,
): Promise<'graph' | 'settled'> {
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const graph = inputs.graphEndpoint.replace(/\/+$/, '');
  const url = `${graph}/v1.0/servicePrincipals/${encodeURIComponent(inputs.principalId)}?$select=id`;
  const settle = async (reason: string) => {
    deps.log?.(
      `cannot read Microsoft Graph (${reason}); waiting a fixed ${inputs.settleSeconds} s for principal ${inputs.principalId} to propagate`,
    );
    await sleep(inputs.settleSeconds * 1000);
    return 'settled' as const;
  };
  let last = 'no answer';
  for (let attempt = 1; attempt <= inputs.attempts; attempt += 1) {
    let token: string;
    try {
      token = await deps.getToken();
    } catch (error) {
      return settle(`no Graph token: ${error instanceof Error ? error.message : String(error)}`);
    }
    const response = await deps.fetch(url, {
      headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
    });
    const body = await response.text();
    if (response.status === 200) {
      deps.log?.(`principal ${inputs.principalId} is visible in Microsoft Graph (check ${attempt})`);
      return 'graph';
    }
    if (response.status === 401 || response.status === 403) return settle(`HTTP ${response.status}`);
    last = `HTTP ${response.status}`;
    const retryable = response.status === 404 || response.status === 429 || response.status >= 500;
    if (!retryable) {
      throw new Error(
        `Microsoft Graph answered ${response.status} for principal ${inputs.principalId}: ${body.slice(0, 300)}`,
      );
    }
    if (attempt < inputs.attempts) {
      deps.log?.(`principal ${inputs.principalId} not visible yet (${last}); check ${attempt}/${inputs.attempts}`);
      await sleep(inputs.intervalSeconds * 1000);
    }
  }
  throw new Error(
    `principal ${inputs.principalId} is still not visible in Microsoft Graph after ${inputs.attempts} checks ` +
      `${inputs.intervalSeconds} s apart (last: ${last}). A new managed identity usually appears within minutes; ` +
      'run `pulumi up` again, which resumes from here.',
  );
}

interface PrincipalProvider extends pulumi.dynamic.ResourceProvider<PrincipalWaitInputs, PrincipalWaitOutputs> {
  auth?: ProviderAuth;
}

async function waitInHost(inputs: PrincipalWaitInputs, auth: ProviderAuth): Promise<'graph' | 'settled'> {
  const identity = providerIdentity(auth, globalThis.fetch);
  const graph = inputs.graphEndpoint.replace(/\/+$/, '');
  return waitForPrincipal(inputs, {
    fetch: globalThis.fetch,
    getToken: identity.tokenFor(`${graph}/.default`),
    log: (message) => console.log(`[principal wait] ${message}`),
  });
}

/** Exported for the serialization test; Pulumi serializes it with every `PrincipalVisible`. */
export const principalWaitProvider: PrincipalProvider = {
  async configure(req) {
    this.auth = readProviderAuth((key) => req.config.get(key), process.env);
  },
  // Only a new principal needs the wait; the bounds are tuning and never cause one.
  async diff(_id, olds, news) {
    const replaces = olds.principalId === news.principalId ? [] : ['principalId'];
    return { changes: replaces.length > 0, replaces, deleteBeforeReplace: false };
  },
  async create(inputs) {
    const visibility = await waitInHost(inputs, this.auth ?? readProviderAuth(() => undefined, process.env));
    return { id: `principal-${inputs.principalId}`, outs: { ...inputs, visibility } };
  },
  async delete() {},
};

export interface PrincipalVisibleArgs {
  readonly principalId: pulumi.Input<string>;
  readonly graphEndpoint?: pulumi.Input<string>;
  /** Default 40 checks 15 s apart: up to 10 minutes. */
  readonly attempts?: number;
  readonly intervalSeconds?: number;
  /** Default 120 s, used when the deploying identity cannot read Graph. */
  readonly settleSeconds?: number;
}

/** Resolves `principalId` once the principal is visible; give that output to the data-plane role assignments. */
export class PrincipalVisible extends pulumi.dynamic.Resource {
  declare readonly principalId: pulumi.Output<string>;
  declare readonly visibility: pulumi.Output<'graph' | 'settled'>;

  constructor(name: string, args: PrincipalVisibleArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      principalWaitProvider,
      name,
      {
        principalId: args.principalId,
        graphEndpoint: args.graphEndpoint ?? PUBLIC_GRAPH_ENDPOINT,
        attempts: args.attempts ?? 40,
        intervalSeconds: args.intervalSeconds ?? 15,
        settleSeconds: args.settleSeconds ?? 120,
        visibility: undefined,
      },
      opts,
      'movie-catalog',
      'PrincipalVisible',
    );
  }
}

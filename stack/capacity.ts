/**
 * Cosmos DB capacity by stack, and the guard against losing the write store by switching it.
 *
 * azure-native 3.28 has no capacity-mode property: serverless is the `EnableServerless` capability, and a
 * change of capabilities between serverless and provisioned REPLACES the account - deleting every event.
 * The guard is a dynamic resource that remembers the mode it was deployed with; its `check`, which runs in
 * `pulumi preview` too, fails with a message when the mode changes, unless `cosmosAllowReplacement` is set.
 * The account is also `protect`ed, so Pulumi itself refuses to delete or replace it.
 */
import * as pulumi from '@pulumi/pulumi';
import type { CosmosCapacity } from './config';

export type CapacityMode = CosmosCapacity['mode'];

export interface GuardInputs {
  readonly mode: CapacityMode;
  readonly allowReplacement: boolean;
}

/** Why a change from `olds` to `news` must not happen, or undefined when it may. */
export function capacityChangeRefusal(olds: Partial<GuardInputs> | undefined, news: GuardInputs): string | undefined {
  const before = olds?.mode;
  if (before === undefined || before === news.mode || news.allowReplacement) return undefined;
  return (
    `config cosmosCapacity: the Cosmos DB account is ${before} and switching it to ${news.mode} would REPLACE it ` +
    '(a new, empty account: every event in the write store would be lost). Migrate instead (README, "Changing the ' +
    'write-store capacity"): a new account, copy, switch. If this account holds nothing worth keeping, set ' +
    '`cosmosAllowReplacement: true` for this one update.'
  );
}

export const capacityGuardProvider: pulumi.dynamic.ResourceProvider<GuardInputs, GuardInputs> = {
  async check(olds, news) {
    const refusal = capacityChangeRefusal(olds, news);
    return refusal ? { inputs: news, failures: [{ property: 'mode', reason: refusal }] } : { inputs: news };
  },
  async diff(_id, olds, news) {
    return { changes: olds.mode !== news.mode || olds.allowReplacement !== news.allowReplacement };
  },
  async create(inputs) {
    return { id: 'cosmos-capacity', outs: inputs };
  },
  async update(_id, _olds, news) {
    return { outs: news };
  },
  async delete() {},
};

export class CosmosCapacityGuard extends pulumi.dynamic.Resource {
  declare readonly mode: pulumi.Output<CapacityMode>;

  constructor(name: string, args: GuardInputs, opts?: pulumi.CustomResourceOptions) {
    super(capacityGuardProvider, name, { ...args }, opts, 'movie-catalog', 'CosmosCapacityGuard');
  }
}

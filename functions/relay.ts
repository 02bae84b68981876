import { relayUndispatched } from '../shared/operations/relay';
import type { TimerFunctionDefinition } from '../shared/registry';

export const relay: TimerFunctionDefinition = {
  kind: 'timer',
  name: 'relay',
  summary: 'Re-publishes events still undispatched after the grace period, oldest first',
  // An app setting, resolved by the host (Azure and local alike); default in shared/config.ts.
  schedule: '%RELAY_SCHEDULE%',
  async handler(_timer, context, deps) {
    await relayUndispatched(deps, context);
  },
};

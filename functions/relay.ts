import { registerFunction } from '../shared/composition';
import { relayUndispatched } from '../shared/operations/relay';

export const relay = registerFunction({
  kind: 'timer',
  name: 'relay',
  summary: 'Re-publishes events still undispatched after the grace period, oldest first',
  schedule: process.env.RELAY_SCHEDULE ?? '*/15 * * * * *',
  async handler(_timer, context, deps) {
    await relayUndispatched(deps, context);
  },
});

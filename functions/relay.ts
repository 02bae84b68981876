import { relayUndispatched } from '../shared/operations/relay';
import type { TimerFunctionDefinition } from '../shared/registry';
import { BINDINGS } from './bindings';

export const relay: TimerFunctionDefinition = {
  ...BINDINGS.relay,
  summary: 'Re-publishes events still undispatched after the grace period, oldest first',
  async handler(_timer, context, deps) {
    await relayUndispatched(deps, context);
  },
};

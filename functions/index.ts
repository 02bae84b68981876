/**
 * The Azure Functions entry (the bundle scripts/package.ts builds): registers every function of the app
 * with the Azure host, each wired to the Azure composition root (adapters built on first invocation).
 * The ONE place that registers; the function files only declare their definitions (functions/all.ts).
 */
import { azureDeps } from '../shared/composition';
import { register } from '../shared/registry';
import { functions } from './all';

for (const definition of functions) register(definition, azureDeps);

export { functions };

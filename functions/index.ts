/**
 * The Azure Functions entry (the bundle scripts/package.ts builds): registers every function of the app
 * with the Azure host. The ONE place that registers; the function files only declare their definitions
 * (functions/all.ts).
 *
 * Cold start: the host imports this file before the first invocation, so it loads only the triggers
 * (functions/bindings.ts) and @azure/functions. The definitions (their schemas and handlers) and the Azure
 * composition root (adapters, SDKs) load on the first invocation, each once, through dynamic imports that
 * the package splits into chunks of their own.
 */
import { register, type FunctionDefinition } from '../shared/registry';
import { BINDINGS } from './bindings';

export const bindings = Object.values(BINDINGS);

let definitions: Promise<ReadonlyMap<string, FunctionDefinition>> | undefined;

/** The definitions, loaded once; a failed load is tried again by the next invocation. */
function loadDefinitions(): Promise<ReadonlyMap<string, FunctionDefinition>> {
  const loading = import('./all.js').then(({ functions }) => new Map(functions.map((f) => [f.name, f] as const)));
  loading.catch(() => {
    if (definitions === loading) definitions = undefined;
  });
  return loading;
}

async function definition(name: string): Promise<FunctionDefinition> {
  const found = (await (definitions ??= loadDefinitions())).get(name);
  if (found === undefined) throw new Error(`${name}: registered, but functions/all.ts does not define it`);
  return found;
}

const azureDeps = async () => (await import('../shared/composition.js')).azureDeps();

for (const binding of bindings) register(binding, definition, azureDeps);

/**
 * Index and alias administration: the alias and its first index (init), a new physical index for a
 * rebuild's load, the atomic alias swap, deleting an old index, the index behind the alias now.
 */
import type { Client, estypes } from '@elastic/elasticsearch';
import { INDEX_SETTINGS, LIVE_SETTINGS, LOADING_SETTINGS, MOVIE_MAPPINGS, type IndexNames } from './mappings';
import { call, errorType, isNotFound } from './requests';

export interface IndexContext {
  readonly client: Client;
  readonly names: IndexNames;
  /** Physical indices known to exist (checked once per store instance, forgotten when deleted here). */
  readonly known: Set<string>;
}

/** The physical indices behind the alias, sorted; none when the alias does not exist. */
export async function aliasTargets({ client, names }: IndexContext): Promise<string[]> {
  try {
    const res = await call('get alias', () => client.indices.getAlias({ name: names.alias }));
    return Object.keys(res).sort();
  } catch (err) {
    if (isNotFound(err)) return [];
    throw err;
  }
}

async function createPhysicalIndex(
  { client }: IndexContext,
  name: string,
  settings: estypes.IndicesIndexSettings,
): Promise<'created' | 'exists'> {
  try {
    await call('create index', () => client.indices.create({ index: name, settings, mappings: MOVIE_MAPPINGS }));
    return 'created';
  } catch (err) {
    if (errorType(err) === 'resource_already_exists_exception') return 'exists';
    throw err;
  }
}

/** Counters of this alias' physical indices (every mapping version), so new names never repeat. */
async function existingCounters({ client, names }: IndexContext): Promise<number[]> {
  const res = await call('list indices', () =>
    client.indices.get({
      index: `${names.indexPrefix}*`,
      expand_wildcards: 'all',
      filter_path: '*.settings.index.provided_name',
    }),
  );
  return Object.keys(res).filter(names.owns).map(names.counterOf);
}

/** Creates the first index and the alias on it, unless the alias exists. Idempotent, also across processes. */
export async function initAlias(ctx: IndexContext): Promise<void> {
  if ((await aliasTargets(ctx)).length > 0) return;
  // A fixed first name: processes racing here create (or find) the same index and add the same alias,
  // both idempotent, so the alias never ends up on two indices.
  const { alias, versionPrefix } = ctx.names;
  const first = `${versionPrefix}1`;
  await createPhysicalIndex(ctx, first, INDEX_SETTINGS);
  if ((await aliasTargets(ctx)).length > 0) return;
  await call('add alias', () =>
    ctx.client.indices.updateAliases({ actions: [{ add: { index: first, alias, is_write_index: true } }] }),
  );
}

/** The next free name of this alias' physical indices: the current mapping version, the highest counter + 1. */
export async function newIndexName(ctx: IndexContext): Promise<string> {
  return `${ctx.names.versionPrefix}${Math.max(0, ...(await existingCounters(ctx))) + 1}`;
}

/** Creates physical index `name` of this alias, set up for loading (LOADING_SETTINGS); one that exists is kept. */
export async function createLoadingIndex(ctx: IndexContext, name: string): Promise<void> {
  if (!ctx.names.owns(name)) throw new Error(`'${name}' is not a physical index name of alias '${ctx.names.alias}'`);
  await createPhysicalIndex(ctx, name, { ...INDEX_SETTINGS, ...LOADING_SETTINGS });
  ctx.known.add(name);
}

/** Refuses a write to an index that does not exist (bulk would auto-create it with guessed mappings). */
export async function assertIndexExists({ client, known }: IndexContext, index: string): Promise<void> {
  if (known.has(index)) return;
  const exists = await call('index exists', () => client.indices.exists({ index }));
  if (!exists) throw new Error(`index '${index}' does not exist`);
  known.add(index);
}

function assertOwned(names: IndexNames, index: string): void {
  if (!names.owns(index)) throw new Error(`index '${index}' does not belong to alias '${names.alias}'`);
}

/**
 * Points the alias at `index` in one atomic call; returns the indices it pointed at before. First the live
 * settings come back (an index created for a load has no refresh and no replica) and its documents become
 * searchable before the first query reaches it.
 */
export async function swapAlias(ctx: IndexContext, index: string): Promise<string[]> {
  const { client, names } = ctx;
  assertOwned(names, index);
  await call('index settings', () => client.indices.putSettings({ index, settings: LIVE_SETTINGS }));
  await call('refresh', () => client.indices.refresh({ index }));
  const before = await aliasTargets(ctx);
  // must_exist makes the call fail (changing nothing) if a concurrent swap moved the alias.
  const actions: estypes.IndicesUpdateAliasesAction[] = [
    ...before
      .filter((old) => old !== index)
      .map((old) => ({ remove: { index: old, alias: names.alias, must_exist: true } })),
    { add: { index, alias: names.alias, is_write_index: true } },
  ];
  await call('swap alias', () => client.indices.updateAliases({ actions }));
  return before;
}

/** Deletes a physical index of this alias that the alias does not point at; a missing one is no error. */
export async function deleteIndex(ctx: IndexContext, index: string): Promise<void> {
  assertOwned(ctx.names, index);
  if ((await aliasTargets(ctx)).includes(index)) {
    throw new Error(`index '${index}' is behind alias '${ctx.names.alias}'; swap the alias first`);
  }
  ctx.known.delete(index);
  try {
    await call('delete index', () => ctx.client.indices.delete({ index }));
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}

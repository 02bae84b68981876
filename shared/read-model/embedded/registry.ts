/** The embedded store's physical indices by name, and the one the alias points at. */
import { ReadStoreUnavailableError } from '../port';
import { newIndex, type PhysicalIndex } from './physical-index';

export interface IndexRegistry {
  /** The index behind the alias; ReadStoreUnavailableError before init. */
  aliased(): PhysicalIndex;
  /** The index of that name, or an Error. */
  named(name: string): PhysicalIndex;
  /** The next free name, `<alias>-embedded-<n>` (nothing is created). */
  nextName(): string;
  /** A new empty index of that name; one that exists is kept. */
  create(name: string): void;
  /** Points the alias at `name` (which must exist); returns what it pointed at before. */
  swap(name: string): string[];
  /** Drops an index the alias does not point at. */
  drop(name: string): void;
  current(): string | null;
}

export function indexRegistry(alias: string): IndexRegistry {
  const indices = new Map<string, PhysicalIndex>();
  let current: string | null = null;
  let counter = 0;
  return {
    aliased() {
      const index = current === null ? undefined : indices.get(current);
      if (!index) throw new ReadStoreUnavailableError(`read model alias '${alias}' does not exist; run init()`);
      return index;
    },
    named(name) {
      const index = indices.get(name);
      if (!index) throw new Error(`index '${name}' does not exist`);
      return index;
    },
    nextName: () => `${alias}-embedded-${counter + 1}`,
    create(name) {
      const prefix = `${alias}-embedded-`;
      const n = Number(name.slice(prefix.length));
      if (!name.startsWith(prefix) || !Number.isInteger(n) || n < 1)
        throw new Error(`'${name}' is not a physical index name of alias '${alias}'`);
      if (indices.has(name)) return;
      indices.set(name, newIndex());
      counter = Math.max(counter, n);
    },
    swap(name) {
      if (!indices.has(name)) throw new Error(`index '${name}' does not exist`);
      const before = current === null ? [] : [current];
      current = name;
      return before;
    },
    drop(name) {
      if (name === current) throw new Error(`index '${name}' is behind alias '${alias}'; swap the alias first`);
      indices.delete(name);
    },
    current: () => current,
  };
}

import type { LocalHost } from '../shared/local/host';

/** Placeholder replaced by the seeding issue. */
export async function seedIfEmpty(_host: LocalHost): Promise<void> {}

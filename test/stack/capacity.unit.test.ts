/** The Cosmos DB capacity guard: a mode switch that would replace the account fails the preview (`check`). */
import { describe, expect, it } from 'vitest';
import { capacityChangeRefusal, capacityGuardProvider } from '../../stack/capacity';

describe('Cosmos DB capacity guard', () => {
  it('allows the first deployment and an unchanged mode', async () => {
    expect(capacityChangeRefusal(undefined, { mode: 'serverless', allowReplacement: false })).toBeUndefined();
    expect(
      capacityChangeRefusal({ mode: 'autoscale' }, { mode: 'autoscale', allowReplacement: false }),
    ).toBeUndefined();
    expect(await capacityGuardProvider.check?.({} as never, { mode: 'serverless', allowReplacement: false })).toEqual({
      inputs: { mode: 'serverless', allowReplacement: false },
    });
  });

  it('fails the check (so the preview) when serverless would become autoscale, naming the way out', async () => {
    const result = await capacityGuardProvider.check?.(
      { mode: 'serverless', allowReplacement: false },
      { mode: 'autoscale', allowReplacement: false },
    );
    expect(result?.failures).toHaveLength(1);
    expect(result?.failures?.[0]?.property).toBe('mode');
    expect(result?.failures?.[0]?.reason).toMatch(
      /^config cosmosCapacity: the Cosmos DB account is serverless and switching it to autoscale would REPLACE it/,
    );
    expect(result?.failures?.[0]?.reason).toContain('Changing the write-store capacity');
    expect(result?.failures?.[0]?.reason).toContain('cosmosAllowReplacement: true');
  });

  it('fails the other way round too, and lets an explicit cosmosAllowReplacement through', () => {
    expect(capacityChangeRefusal({ mode: 'autoscale' }, { mode: 'serverless', allowReplacement: false })).toMatch(
      /is autoscale and switching it to serverless/,
    );
    expect(
      capacityChangeRefusal({ mode: 'autoscale' }, { mode: 'serverless', allowReplacement: true }),
    ).toBeUndefined();
  });
});

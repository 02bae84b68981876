/**
 * withTimeout (shared/concurrency.ts), the one race-with-timeout of the app: the health probes and the
 * telemetry shutdown use it. A result in time wins, the fallback after the time, a rejection passes
 * through, and no timer outlives the race.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { withTimeout } from '../../shared/concurrency';

const never = new Promise<string>(() => undefined);

afterEach(() => {
  vi.useRealTimers();
});

describe('withTimeout', () => {
  it('answers with the work when it settles in time', async () => {
    await expect(withTimeout(Promise.resolve('up'), 1000, 'down')).resolves.toBe('up');
  });

  it('answers with the fallback once the time has passed without a result', async () => {
    vi.useFakeTimers();
    const raced = withTimeout(never, 2000, 'down');
    await vi.advanceTimersByTimeAsync(1999);
    let settled = false;
    void raced.then(() => (settled = true));
    await Promise.resolve();
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await expect(raced).resolves.toBe('down');
  });

  it('passes a rejection of the work through', async () => {
    await expect(withTimeout(Promise.reject(new Error('refused')), 1000, 'down')).rejects.toThrow('refused');
  });

  it('clears its timer once the work has settled', async () => {
    vi.useFakeTimers();
    await withTimeout(Promise.resolve('up'), 60_000, 'down');
    expect(vi.getTimerCount()).toBe(0);
    await withTimeout(Promise.reject(new Error('refused')), 60_000, 'down').catch(() => undefined);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('does not keep the process alive by itself (the timer is unref-ed)', async () => {
    const setTimeoutSpy = vi.spyOn(globalThis, 'setTimeout');
    try {
      const raced = withTimeout(never, 10, 'down');
      const timer = setTimeoutSpy.mock.results[0]!.value as NodeJS.Timeout;
      expect(timer.hasRef()).toBe(false);
      await expect(raced).resolves.toBe('down');
    } finally {
      setTimeoutSpy.mockRestore();
    }
  });
});

/**
 * Registration settings: what the Azure host fixes when the app loads (the query endpoints' auth level).
 * The configuration reads them, once, from the same sources as the rest (local.settings.json Values,
 * overridden by the environment) and validates them by the same rule as loadConfig; shared/http/auth.ts only
 * receives them.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ConfigError, loadRegistrationSettings } from '../../shared/settings';
import { queryAuthLevel } from '../../shared/http/auth';

const saved = { level: process.env.QUERY_AUTH_LEVEL, cwd: process.cwd() };
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'registration-'));
  delete process.env.QUERY_AUTH_LEVEL;
  vi.resetModules();
});
afterEach(() => {
  process.chdir(saved.cwd);
  rmSync(dir, { recursive: true, force: true });
  if (saved.level === undefined) delete process.env.QUERY_AUTH_LEVEL;
  else process.env.QUERY_AUTH_LEVEL = saved.level;
});

/** A fresh copy of the settings module, as a new process would load it. */
const freshSettings = () => import('../../shared/settings.js') as Promise<typeof import('../../shared/settings.js')>;

describe('registration settings', () => {
  it('the query endpoints are anonymous unless QUERY_AUTH_LEVEL=function', () => {
    expect(loadRegistrationSettings({})).toEqual({ queryAuthLevel: 'anonymous' });
    expect(loadRegistrationSettings({ QUERY_AUTH_LEVEL: 'function' })).toEqual({ queryAuthLevel: 'function' });
  });

  it('a bad QUERY_AUTH_LEVEL fails fast by name, as in loadConfig (never silently anonymous)', () => {
    expect(() => loadRegistrationSettings({ QUERY_AUTH_LEVEL: 'Function' })).toThrow(ConfigError);
    expect(() => loadRegistrationSettings({ QUERY_AUTH_LEVEL: 'admin' })).toThrow(/QUERY_AUTH_LEVEL/);
  });

  it('needs no other setting: a bad unrelated one does not stop the function list from loading', () => {
    expect(loadRegistrationSettings({ PORT: 'eighty', COSMOS_KEY: 'k' })).toEqual({ queryAuthLevel: 'anonymous' });
  });

  it('are loaded once, from the environment, on first use', async () => {
    process.env.QUERY_AUTH_LEVEL = 'function';
    const { registrationSettings } = await freshSettings();
    expect(registrationSettings()).toEqual({ queryAuthLevel: 'function' });
    process.env.QUERY_AUTH_LEVEL = 'anonymous';
    expect(registrationSettings()).toEqual({ queryAuthLevel: 'function' });
  });

  it('come from local.settings.json too, which the environment overrides', async () => {
    writeFileSync(join(dir, 'local.settings.json'), JSON.stringify({ Values: { QUERY_AUTH_LEVEL: 'function' } }));
    process.chdir(dir);
    expect((await freshSettings()).registrationSettings()).toEqual({ queryAuthLevel: 'function' });
    vi.resetModules();
    process.env.QUERY_AUTH_LEVEL = 'anonymous';
    expect((await freshSettings()).registrationSettings()).toEqual({ queryAuthLevel: 'anonymous' });
  });

  it('queryAuthLevel is the level it is given, by default the loaded one', async () => {
    expect(queryAuthLevel({ queryAuthLevel: 'function' })).toBe('function');
    expect(queryAuthLevel({ queryAuthLevel: 'anonymous' })).toBe('anonymous');
    process.env.QUERY_AUTH_LEVEL = 'function';
    const auth = (await import('../../shared/http/auth.js')) as typeof import('../../shared/http/auth');
    expect(auth.queryAuthLevel()).toBe('function');
  });
});

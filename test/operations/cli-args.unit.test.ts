/**
 * The scripts' arguments (scripts/cli.ts on node:util parseArgs): both spellings of a value, switches, and
 * the misreadings the hand-written parser had (`--json=true` ignored, `--url --json` taking `--json` as the
 * URL) now refused with a usage error.
 */
import { describe, expect, it } from 'vitest';
import { argValue, hasFlag, positionals, UsageError } from '../../scripts/cli';

describe('script arguments', () => {
  it('reads a value given as `--name value` or `--name=value`, and undefined when absent', () => {
    expect(argValue('url', ['--url', 'http://a.example'])).toBe('http://a.example');
    expect(argValue('url', ['--url=http://b.example'])).toBe('http://b.example');
    expect(argValue('url', ['--json'])).toBeUndefined();
  });

  it('reads switches and positionals apart from option values', () => {
    expect(hasFlag('list', ['--list'])).toBe(true);
    expect(hasFlag('list', [])).toBe(false);
    expect(positionals(['--url', 'http://a.example', 'blob-1#e1', '--list', 'blob-2#e2'])).toEqual([
      'blob-1#e1',
      'blob-2#e2',
    ]);
  });

  it('refuses a switch given a value, a value option followed by another option, and unknown options', () => {
    expect(() => hasFlag('json', ['--json=true'])).toThrow(UsageError);
    expect(() => hasFlag('json', ['--json=true'])).toThrow("Option '--json' does not take an argument");
    expect(() => argValue('url', ['--url', '--json'])).toThrow(UsageError);
    expect(() => argValue('url', ['--url', '--json'])).toThrow("Option '--url' argument is ambiguous");
    expect(() => hasFlag('json', ['--jsn'])).toThrow("Unknown option '--jsn'");
  });
});

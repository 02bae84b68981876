import { describe, expect, it } from 'vitest';
import { stableGuid } from '../../stack/roles';

describe('stableGuid (names of data-plane role assignments)', () => {
  it('is the SHA-256 of the parts joined by newlines, shaped as a version-5 RFC 4122 GUID', () => {
    // printf 'a\nb\nc' | sha256sum -> ea7fb08b7a2dc4619ffb7c7bb38d95a2…; nibble 13 becomes the version (5),
    // nibble 17 keeps its low two bits under the variant bits 10 (9 -> 9).
    expect(stableGuid('a', 'b', 'c')).toBe('ea7fb08b-7a2d-5461-9ffb-7c7bb38d95a2');
  });

  it('changes with any part and never with the call', () => {
    const scope =
      '/subscriptions/33333333-3333-3333-3333-333333333333/resourceGroups/rg/providers/Microsoft.DocumentDB/databaseAccounts/events';
    expect(stableGuid(scope, 'principal-1', 'role')).toBe(stableGuid(scope, 'principal-1', 'role'));
    expect(stableGuid(scope, 'principal-1', 'role')).not.toBe(stableGuid(scope, 'principal-2', 'role'));
    expect(stableGuid(scope, 'principal-1', 'role')).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });
});

/**
 * The deployment zip, read back at the byte level (central directory, PKWARE APPNOTE 4.3.12): every entry is
 * a Unix regular file with mode 0644, and the bytes do not depend on the time zone of the machine that zips.
 */
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { zipEntries } from '../../scripts/package';

interface CentralEntry {
  readonly name: string;
  readonly madeByOs: number;
  readonly externalAttrs: number;
  readonly dosTime: number;
  readonly dosDate: number;
}

function centralDirectory(zip: Uint8Array): CentralEntry[] {
  const view = Buffer.from(zip.buffer, zip.byteOffset, zip.byteLength);
  const eocd = view.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  expect(eocd).toBeGreaterThan(0);
  const count = view.readUInt16LE(eocd + 10);
  let at = view.readUInt32LE(eocd + 16);
  const entries: CentralEntry[] = [];
  for (let i = 0; i < count; i += 1) {
    expect(view.readUInt32LE(at)).toBe(0x02014b50);
    const nameLength = view.readUInt16LE(at + 28);
    entries.push({
      name: view.subarray(at + 46, at + 46 + nameLength).toString('utf8'),
      madeByOs: view.readUInt8(at + 5),
      externalAttrs: view.readUInt32LE(at + 38),
      dosTime: view.readUInt16LE(at + 12),
      dosDate: view.readUInt16LE(at + 14),
    });
    at += 46 + nameLength + view.readUInt16LE(at + 30) + view.readUInt16LE(at + 32);
  }
  return entries;
}

const FILES = {
  'package.json': Buffer.from('{"name":"movie-catalog-cqrs","main":"dist/functions/*.js"}\n'),
  'host.json': Buffer.from('{"version":"2.0"}\n'),
  'dist/functions/index.js': Buffer.from('module.exports = {};\n'),
};
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

const originalTz = process.env.TZ;
afterEach(() => {
  if (originalTz === undefined) delete process.env.TZ;
  else process.env.TZ = originalTz;
});

describe('deployment zip', () => {
  it('writes every entry as a Unix regular file with mode 0644, sorted by name', () => {
    const entries = centralDirectory(zipEntries(FILES));
    expect(entries.map((e) => e.name)).toEqual(['dist/functions/index.js', 'host.json', 'package.json']);
    for (const entry of entries) {
      expect(entry.madeByOs, entry.name).toBe(3);
      expect(entry.externalAttrs >>> 16, entry.name).toBe(0o100644);
      expect(entry.externalAttrs, entry.name).toBe(0x81a40000);
    }
  });

  it('gives the same bytes for the same files, whatever the time zone', () => {
    process.env.TZ = 'America/Los_Angeles';
    const west = zipEntries(FILES);
    const again = zipEntries(FILES);
    process.env.TZ = 'Asia/Tokyo';
    const east = zipEntries(FILES);
    expect(sha256(again)).toBe(sha256(west));
    expect(sha256(east)).toBe(sha256(west));
    // 2020-01-01 00:00:00 in DOS format: date ((2020 - 1980) << 9) | (1 << 5) | 1, time 0.
    for (const entry of centralDirectory(east)) expect([entry.dosDate, entry.dosTime]).toEqual([0x5021, 0]);
  });
});

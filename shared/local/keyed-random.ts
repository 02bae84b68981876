/**
 * Reproducible fault decisions: every decision is drawn from its own stream, keyed by the run's seed, the
 * kind of decision and the id it concerns (an event id, a request id). The nth decision about one key is
 * the same in every run with that seed, whatever order concurrent work happens to arrive in.
 */
import { createHash } from 'node:crypto';

/** mulberry32: a small, fast, good-enough PRNG for test decisions. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Draws the next number in [0, 1) of the stream (seed, kind, key). */
export type KeyedRandom = (kind: string, key: string) => number;

export function keyedRandom(seed: number): KeyedRandom {
  const streams = new Map<string, () => number>();
  return (kind, key) => {
    const name = `${kind}\u0000${key}`;
    let stream = streams.get(name);
    if (!stream) {
      stream = mulberry32(createHash('sha256').update(`${seed}\u0000${name}`).digest().readUInt32LE(0));
      streams.set(name, stream);
    }
    return stream();
  };
}

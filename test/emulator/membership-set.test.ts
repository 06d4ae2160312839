/**
 * The compact membership set must behave exactly like a Set<string>, across growth, deletes that shift probe
 * chains, mixed packed/unpacked records, and a serialize/restore round trip.
 */
import { describe, expect, it } from 'vitest';

import { MembershipSet } from '../../emulators/pinterest/membership-set.js';
import { hexRecords } from './helpers/emulator-http.js';

/** Deterministic PRNG so a failure can be replayed. */
function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('MembershipSet', () => {
  it('agrees with Set<string> under random adds and deletes', () => {
    const pool = [
      ...hexRecords(3_000),
      // fixture-style hashes that differ only at the end, which a weak hash would pile into one chain
      ...Array.from({ length: 500 }, (_, i) => i.toString(16).padStart(64, '0')),
      'plain@example.com',
      'ABCDEF'.repeat(10) + 'ABCD', // uppercase hex is kept verbatim, not packed
      '',
    ];
    const random = mulberry32(42);
    const set = new MembershipSet();
    const reference = new Set<string>();
    for (let step = 0; step < 40_000; step++) {
      const record = pool[Math.floor(random() * pool.length)]!;
      if (random() < 0.6) expect(set.add(record)).toBe(!reference.has(record) && (reference.add(record), true));
      else expect(set.delete(record)).toBe(reference.delete(record));
      if (step % 5_000 === 0) expect(set.size).toBe(reference.size);
    }
    expect(set.size).toBe(reference.size);
    expect(set.toSet()).toEqual(reference);
    for (const record of pool) expect(set.has(record)).toBe(reference.has(record));

    const restored = MembershipSet.fromSerialized(set.packedChunks(700), set.otherRecords());
    expect(restored.toSet()).toEqual(reference);
  });

  it('clears', () => {
    const set = new MembershipSet();
    for (const r of hexRecords(100)) set.add(r);
    set.clear();
    expect(set.size).toBe(0);
    expect(set.has(hexRecords(1)[0]!)).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { NORMALIZATION_VERSION } from '../../core/normalize/normalization-version.js';
import { normalizeIdentifier } from '../../core/normalize/normalize-identifier.js';
import { createNormalizeCounts, normalizeColumn } from '../../core/normalize/normalize-column.js';
import { decodeOutcome, encodeOutcome } from '../../core/normalize/outcome-code.js';

const sha = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

describe('normalizeIdentifier', () => {
  it('is version 1', () => {
    expect(NORMALIZATION_VERSION).toBe(1);
  });

  it('converts scalar non-strings with String()', () => {
    expect(normalizeIdentifier('email', 12345678901234567890123456789012n)).toEqual({
      status: 'rejected',
      reason: 'unsupported_hash',
    });
    expect(normalizeIdentifier('email', 42)).toEqual({ status: 'rejected', reason: 'invalid_email' });
    expect(normalizeIdentifier('maid', true)).toEqual({ status: 'rejected', reason: 'invalid_device_id' });
    expect(normalizeIdentifier('email_sha256', undefined)).toEqual({ status: 'empty' });
  });

  it('never stringifies a non-scalar cell into a hash: arrays, structs and JSON objects are unsupported_value', () => {
    for (const value of [['a@b.co'], [], { value: 'a@b.co' }, { toString: () => 'a@b.co' }, new Map(), [Buffer.from('a@b.co')]]) {
      for (const type of ['email', 'maid', 'email_sha256'] as const) {
        expect(normalizeIdentifier(type, value)).toEqual({ status: 'rejected', reason: 'unsupported_value' });
      }
    }
  });

  it('takes a 32-byte binary value in a *_sha256 column as its hex digest, and rejects any other binary', () => {
    const digest = createHash('sha256').update('a@b.co').digest();
    for (const type of ['email_sha256', 'maid_sha256', 'idfa_sha256'] as const) {
      expect(normalizeIdentifier(type, digest)).toEqual({ status: 'ok', hash: sha('a@b.co'), prehashed: true });
      expect(normalizeIdentifier(type, new Uint8Array(digest))).toEqual({ status: 'ok', hash: sha('a@b.co'), prehashed: true });
      // a view into a larger buffer: only its own 32 bytes count
      const wide = Buffer.concat([Buffer.from([1, 2, 3]), digest, Buffer.from([4])]);
      expect(normalizeIdentifier(type, wide.subarray(3, 35))).toEqual({ status: 'ok', hash: sha('a@b.co'), prehashed: true });
      expect(normalizeIdentifier(type, digest.subarray(0, 16))).toEqual({ status: 'rejected', reason: 'invalid_binary' });
    }
    for (const type of ['email', 'maid', 'idfa'] as const) {
      expect(normalizeIdentifier(type, digest)).toEqual({ status: 'rejected', reason: 'invalid_binary' });
      expect(normalizeIdentifier(type, Buffer.from('a@b.co'))).toEqual({ status: 'rejected', reason: 'invalid_binary' });
    }
  });

  it('lowercases with full Unicode rules before hashing (Final_Sigma, dotted I, Kelvin sign)', () => {
    expect(normalizeIdentifier('email', 'ΟΔΥΣΣΕΥΣ@Ιθάκη.gr')).toEqual({
      status: 'ok',
      hash: sha('οδυσσευς@ιθάκη.gr'),
      prehashed: false,
    });
    expect(normalizeIdentifier('email', 'İ@x.io')).toMatchObject({ hash: sha('i\u0307@x.io') });
    expect(normalizeIdentifier('email', '\u212a@x.io')).toMatchObject({ hash: sha('k@x.io') });
  });

  it('counts the 254 limit in UTF-16 units after lowercasing', () => {
    const at = (local: string) => normalizeIdentifier('email', `${local}@example.com`).status;
    expect(at('a'.repeat(242))).toBe('ok');
    expect(at('a'.repeat(243))).toBe('rejected');
    expect(at('😀'.repeat(121))).toBe('ok'); // 242 units, 484 UTF-8 bytes
    expect(at('İ'.repeat(121))).toBe('ok'); // 133 units as given, 254 lowercased
    expect(at('İ'.repeat(122))).toBe('rejected'); // 134 units as given, 256 lowercased
  });

  it('rejects MD5/SHA-1 shaped values for raw types but calls them invalid for *_sha256 types', () => {
    const md5 = '6d1db9ff40d653b409cda4c3ec45e5d7';
    expect(normalizeIdentifier('idfa', md5)).toEqual({ status: 'rejected', reason: 'unsupported_hash' });
    expect(normalizeIdentifier('idfa_sha256', md5)).toEqual({ status: 'rejected', reason: 'invalid_sha256' });
  });

  it('does not treat JS-whitespace look-alikes as whitespace', () => {
    expect(normalizeIdentifier('email', '\u200ba@b.co')).toMatchObject({ status: 'ok', hash: sha('\u200ba@b.co') });
    expect(normalizeIdentifier('email', '\u0085a@b.co')).toMatchObject({ status: 'ok', hash: sha('\u0085a@b.co') });
    expect(normalizeIdentifier('email', '\ufeff\u3000a@b.co\u2028')).toMatchObject({ hash: sha('a@b.co') });
  });
});

describe('outcome codes', () => {
  it('round-trip every outcome kind', () => {
    for (const o of [
      normalizeIdentifier('email', 'a@b.co'),
      normalizeIdentifier('email', 'F'.repeat(64)),
      normalizeIdentifier('email', ' '),
      normalizeIdentifier('maid', '00000000-0000-0000-0000-000000000000'),
    ]) {
      expect(decodeOutcome(encodeOutcome(o))).toEqual(o);
    }
    expect(encodeOutcome(normalizeIdentifier('email', 'F'.repeat(64)))).toBe('=' + 'f'.repeat(64));
  });

  it('refuse anything no engine should produce', () => {
    expect(() => decodeOutcome('F'.repeat(64))).toThrow(/not a normalization outcome/);
    expect(() => decodeOutcome('rejected')).toThrow();
    expect(() => decodeOutcome('')).toThrow();
  });
});

describe('normalizeColumn', () => {
  it('keeps hashes aligned with the input and accumulates counts across batches', () => {
    const counts = createNormalizeCounts();
    const first = normalizeColumn('email', ['a@b.co', null, 'nope', 'F'.repeat(64)], counts);
    const second = normalizeColumn('email', ['  ', '6d1db9ff40d653b409cda4c3ec45e5d7'], counts);
    expect(first).toEqual([sha('a@b.co'), null, null, 'f'.repeat(64)]);
    expect(second).toEqual([null, null]);
    expect(counts).toEqual({
      ok: 2,
      prehashed: 1,
      empty: 2,
      rejected: { invalid_email: 1, invalid_device_id: 0, zero_device_id: 0, invalid_sha256: 0, unsupported_hash: 1, invalid_binary: 0, unsupported_value: 0 },
    });
  });
});

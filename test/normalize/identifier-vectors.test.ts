import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeOutcome } from '../../connectors/duckdb/duckdb-normalization.js';
import { normalizeIdentifier } from '../../core/normalize/normalize-identifier.js';
import type { NormalizeOutcome } from '../../core/normalize/normalize-outcome.js';
import { openNormalizeDuckDb, readVectors, type IdentifierVector, type NormalizeDuckDb } from './normalize-harness.js';

const vectors = readVectors();

// The vectors omit `prehashed` for values pinsync hashes itself.
function expected(v: IdentifierVector): NormalizeOutcome {
  if (v.status === 'ok') return { status: 'ok', hash: v.hash as string, prehashed: v.prehashed ?? false };
  if (v.status === 'empty') return { status: 'empty' };
  return { status: 'rejected', reason: v.reason as never };
}

function label(v: IdentifierVector): string {
  return `${v.type} ${JSON.stringify(v.input)}`;
}

describe('golden identifier vectors', () => {
  let duck: NormalizeDuckDb;
  beforeAll(async () => {
    duck = await openNormalizeDuckDb();
  });
  afterAll(() => duck.close());

  it('has vectors for every outcome kind', () => {
    expect(vectors.length).toBeGreaterThan(20);
    expect(new Set(vectors.map((v) => v.status))).toEqual(new Set(['ok', 'empty', 'rejected']));
  });

  it.each(vectors.map((v) => [label(v), v] as const))('TypeScript: %s', (_, v) => {
    expect(normalizeIdentifier(v.type, v.input)).toEqual(expected(v));
  });

  it('DuckDB SQL gives every vector the same outcome', async () => {
    // One query for all vectors: every query pays for compiling the macros' large Unicode regexes.
    const types = [...new Set(vectors.map((v) => v.type))];
    const byType = await duck.outcomesByType(
      types,
      vectors.map((v) => v.input),
    );
    const got = vectors.map((v, i) => [label(v), decodeOutcome(byType[types.indexOf(v.type)]?.[i] as string)]);
    expect(got).toEqual(vectors.map((v) => [label(v), expected(v)]));
  });
});

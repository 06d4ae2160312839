/**
 * The guardrail verdicts (core/guardrails.ts) at their edges: removals at exactly maxRemovePercent pass and one more
 * blocks, an empty source is blocked unless allowEmptySource, and --force turns a block into an override that keeps
 * its reasons.
 */
import { describe, expect, it } from 'vitest';
import { evaluateGuardrails } from '../../core/guardrails.js';
import type { DiffCounts } from '../../core/sync-report.js';

function diff(acknowledged: number, current: number, removes: number): DiffCounts {
  const unchanged = acknowledged - removes;
  return { acknowledged, current, adds: current - unchanged, removes, unchanged };
}

const strict = { maxRemovePercent: 20, allowEmptySource: false };

describe('maxRemovePercent', () => {
  it('passes removals of exactly the limit and blocks one removal more', () => {
    expect(evaluateGuardrails(diff(1_000, 800, 200), strict, false)).toEqual({ verdict: 'pass', reasons: [] });
    expect(evaluateGuardrails(diff(1_000, 799, 201), strict, false)).toEqual({
      verdict: 'blocked',
      reasons: ['201 removals are 20.1% of the 1,000 acknowledged members, above maxRemovePercent 20%'],
    });
  });

  it('compares the exact share, not a rounded one', () => {
    // 1 of 5 is exactly 20%; 20,001 of 100,000 shows as 20.0% but is above the limit
    expect(evaluateGuardrails(diff(5, 4, 1), strict, false).verdict).toBe('pass');
    expect(evaluateGuardrails(diff(100_000, 80_000, 20_001), strict, false)).toEqual({
      verdict: 'blocked',
      reasons: ['20,001 removals are 20.0% of the 100,000 acknowledged members, above maxRemovePercent 20%'],
    });
  });

  it('never trips on a first sync, on additions alone, or at 100%', () => {
    expect(evaluateGuardrails(diff(0, 500, 0), strict, false).verdict).toBe('pass');
    expect(evaluateGuardrails({ acknowledged: 10, current: 5_000, adds: 4_990, removes: 0, unchanged: 10 }, strict, false).verdict).toBe('pass');
    expect(evaluateGuardrails(diff(10, 1, 10), { maxRemovePercent: 100, allowEmptySource: false }, false).verdict).toBe('pass');
    expect(evaluateGuardrails(diff(10, 10, 1), { maxRemovePercent: 0, allowEmptySource: false }, false).verdict).toBe('blocked');
  });
});

describe('an empty source', () => {
  it('is blocked when allowEmptySource is false, naming the members it would remove', () => {
    expect(evaluateGuardrails(diff(1_234, 0, 1_234), { maxRemovePercent: 100, allowEmptySource: false }, false)).toEqual({
      verdict: 'blocked',
      reasons: ['the source yielded no valid identifiers, which would remove all 1,234 members (allowEmptySource is false)'],
    });
    expect(evaluateGuardrails(diff(0, 0, 0), strict, false)).toEqual({
      verdict: 'blocked',
      reasons: ['the source yielded no valid identifiers (allowEmptySource is false)'],
    });
  });

  it('is allowed when allowEmptySource is true, but mass removal is still checked', () => {
    expect(evaluateGuardrails(diff(0, 0, 0), { maxRemovePercent: 20, allowEmptySource: true }, false)).toEqual({ verdict: 'pass', reasons: [] });
    expect(evaluateGuardrails(diff(50, 0, 50), { maxRemovePercent: 100, allowEmptySource: true }, false)).toEqual({ verdict: 'pass', reasons: [] });
    const both = evaluateGuardrails(diff(50, 0, 50), { maxRemovePercent: 20, allowEmptySource: true }, false);
    expect(both).toEqual({ verdict: 'blocked', reasons: ['50 removals are 100.0% of the 50 acknowledged members, above maxRemovePercent 20%'] });
  });

  it('reports both reasons when an empty source also exceeds maxRemovePercent', () => {
    expect(evaluateGuardrails(diff(50, 0, 50), strict, false).reasons).toHaveLength(2);
  });
});

describe('--force', () => {
  it('overrides a block and keeps the reasons, and changes nothing when nothing tripped', () => {
    const blocked = evaluateGuardrails(diff(1_000, 700, 300), strict, false);
    const forced = evaluateGuardrails(diff(1_000, 700, 300), strict, true);
    expect(blocked.verdict).toBe('blocked');
    expect(forced).toEqual({ verdict: 'overridden', reasons: blocked.reasons });
    expect(evaluateGuardrails(diff(1_000, 900, 100), strict, true)).toEqual({ verdict: 'pass', reasons: [] });
  });
});

/**
 * AdaptiveBatchSize while a probe is out and older requests are still being answered (several in flight): found by
 * the mutation run on core/batching.ts, which these two cases were the only ones not to pin down.
 */
import { describe, expect, it } from 'vitest';
import { AdaptiveBatchSize } from '../../core/batching.js';

describe('AdaptiveBatchSize with a probe in flight', () => {
  it('a refusal of an older, smaller request is not the probe refused: probing goes on later in the run', () => {
    const size = new AdaptiveBatchSize(400, 100, 3);
    size.accepted();
    size.accepted();
    expect(size.accepted()).toBe(200); // the probe goes out
    expect(size.refused(100)).toEqual({ half: 50, shrank: true }); // a request sent before it
    expect(size.accepted(50)).toBeUndefined();
    expect(size.accepted(50)).toBeUndefined();
    expect(size.accepted(50)).toBe(100);
  });

  it('does not grow again before the probe is answered, however many older requests are accepted meanwhile', () => {
    const size = new AdaptiveBatchSize(800, 100, 3);
    size.accepted();
    size.accepted();
    expect(size.accepted()).toBe(200);
    for (let i = 0; i < 6; i++) expect(size.accepted(100)).toBeUndefined();
    expect(size.current).toBe(200);
    expect(size.takeConfirmed()).toBeUndefined();
    size.accepted(200); // the probe answered
    expect(size.takeConfirmed()).toBe(200);
  });
});

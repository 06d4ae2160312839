/**
 * The adaptive batch size when answers come back out of order (several requests in flight): only a request of
 * the current size proves it, only a request of the probe's size confirms or refutes the probe, and the size to
 * remember is the one a request was accepted at, never a probe that was never tried at full size.
 */
import { describe, expect, it } from 'vitest';
import { AdaptiveBatchSize } from '../../core/batching.js';

describe('AdaptiveBatchSize with several requests in flight', () => {
  it('is proven once a request of the current size was accepted, and not by a smaller remainder', () => {
    const size = new AdaptiveBatchSize(400, 400, 3);
    expect(size.proven).toBe(false);
    size.accepted(120); // a short last range
    expect(size.proven).toBe(false);
    size.accepted(400);
    expect(size.proven).toBe(true);
    size.refused(400);
    // 200 is below a size already accepted: several may go at once again
    expect(size.current).toBe(200);
    expect(size.proven).toBe(true);
  });

  it('an older, smaller request answered while the probe is out neither confirms nor cancels it', () => {
    const size = new AdaptiveBatchSize(400, 100, 3);
    size.accepted(100);
    size.accepted(100);
    expect(size.accepted(100)).toBe(200); // the probe
    expect(size.proven).toBe(false);
    expect(size.accepted(100)).toBeUndefined(); // still in flight before the probe went
    expect(size.takeConfirmed()).toBeUndefined();
    expect(size.refused(200)).toEqual({ half: 100, shrank: true });
    for (let i = 0; i < 10; i++) expect(size.accepted(100)).toBeUndefined(); // the probe failed: no more probing
  });

  it('remembers a probe only once a request of its size was accepted', () => {
    const size = new AdaptiveBatchSize(400, 100, 3);
    for (let i = 0; i < 2; i++) size.accepted(100);
    expect(size.accepted(100)).toBe(200);
    size.accepted(150); // the delta ran out: the last range was shorter than the probe
    expect(size.takeConfirmed()).toBeUndefined();
    size.accepted(200);
    expect(size.takeConfirmed()).toBe(200);
    expect(size.takeConfirmed()).toBeUndefined();
  });
});

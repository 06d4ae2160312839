/**
 * Request sizing (core/batching.ts): records per request from `maxRecords` and `maxBytes` (65 bytes a record plus a
 * 1,024-byte envelope), and the adaptive size's halving on a refusal and doubling after clean requests.
 */
import { describe, expect, it } from 'vitest';
import { AdaptiveBatchSize, BYTES_PER_RECORD, recordsPerBatch } from '../../core/batching.js';

describe('recordsPerBatch', () => {
  it('takes the smaller of maxRecords and what fits in maxBytes', () => {
    expect(BYTES_PER_RECORD).toBe(65);
    expect(recordsPerBatch({ maxRecords: 10_000, maxBytes: 1_000_000 })).toBe(10_000);
    expect(recordsPerBatch({ maxRecords: 100_000, maxBytes: 1_000_000 })).toBe(15_368); // (1,000,000 − 1,024) / 65
    expect(recordsPerBatch({ maxRecords: 10_000, maxBytes: 4_000 })).toBe(45);
  });

  it('fills maxBytes exactly at the boundary and never above it', () => {
    expect(recordsPerBatch({ maxRecords: 1_000, maxBytes: 1_024 + 65 * 10 })).toBe(10);
    expect(recordsPerBatch({ maxRecords: 1_000, maxBytes: 1_024 + 65 * 10 - 1 })).toBe(9);
    expect(recordsPerBatch({ maxRecords: 1_000, maxBytes: 1_024 + 65 * 10 + 64 })).toBe(10);
  });

  it('sends at least one record whatever the limits say', () => {
    expect(recordsPerBatch({ maxRecords: 1_000, maxBytes: 1_000 })).toBe(1);
    expect(recordsPerBatch({ maxRecords: 0, maxBytes: 1_000_000 })).toBe(1);
  });
});

describe('AdaptiveBatchSize', () => {
  it('starts at the remembered size, never above the configured one', () => {
    expect(new AdaptiveBatchSize(400, 100).current).toBe(100);
    expect(new AdaptiveBatchSize(400, 10_000).current).toBe(400);
    expect(new AdaptiveBatchSize(400, 0).current).toBe(1);
  });

  it('halves on a refusal, says whether the size shrank, and doubles back after clean requests up to the configured size', () => {
    const size = new AdaptiveBatchSize(400, 400, 3);
    expect(size.refused(400)).toEqual({ half: 200, shrank: true });
    expect(size.current).toBe(200);
    // a refused half of an older, larger request does not shrink below what is already in use
    expect(size.refused(300)).toEqual({ half: 150, shrank: true });
    expect(size.refused(301)).toEqual({ half: 150, shrank: false });
    expect(size.refused(1)).toEqual({ half: 1, shrank: true });
    expect(size.current).toBe(1);
  });

  it('probes by doubling after each clean run, up to the configured size', () => {
    const size = new AdaptiveBatchSize(400, 100, 3);
    expect(size.accepted()).toBeUndefined();
    expect(size.accepted()).toBeUndefined();
    expect(size.accepted()).toBe(200);
    for (let i = 0; i < 2; i++) expect(size.accepted()).toBeUndefined();
    expect(size.accepted()).toBe(400);
    for (let i = 0; i < 5; i++) expect(size.accepted()).toBeUndefined(); // at the configured size: no probe
  });

  it('stops probing for the run once the probe itself is refused, and keeps probing after a later refusal', () => {
    const refusedProbe = new AdaptiveBatchSize(400, 100, 3);
    for (let i = 0; i < 2; i++) refusedProbe.accepted();
    expect(refusedProbe.accepted()).toBe(200);
    expect(refusedProbe.refused(200)).toEqual({ half: 100, shrank: true });
    for (let i = 0; i < 10; i++) expect(refusedProbe.accepted()).toBeUndefined(); // the limit is real: stay at 100
    expect(refusedProbe.current).toBe(100);

    const laterRefusal = new AdaptiveBatchSize(400, 100, 3);
    for (let i = 0; i < 2; i++) laterRefusal.accepted();
    expect(laterRefusal.accepted()).toBe(200);
    laterRefusal.accepted(); // the probe was taken
    expect(laterRefusal.refused(200)).toEqual({ half: 100, shrank: true });
    for (let i = 0; i < 2; i++) expect(laterRefusal.accepted()).toBeUndefined();
    expect(laterRefusal.accepted()).toBe(200);
  });

  it('a refusal that is not of a probe does not stop later probing, however many come in a row', () => {
    const size = new AdaptiveBatchSize(400, 100, 3);
    expect(size.refused(100)).toEqual({ half: 50, shrank: true }); // the very first request
    expect(size.refused(50)).toEqual({ half: 25, shrank: true });
    for (let i = 0; i < 2; i++) expect(size.accepted()).toBeUndefined();
    expect(size.accepted()).toBe(50);
  });

  it('a refused half of an older, larger request never grows the size in use', () => {
    const size = new AdaptiveBatchSize(400, 150, 3);
    expect(size.refused(400)).toEqual({ half: 200, shrank: false });
    expect(size.current).toBe(150);
  });
  it('a refusal of more than the largest size accepted in the run never shrinks below that size', () => {
    const size = new AdaptiveBatchSize(12, 6, 3);
    for (let i = 0; i < 2; i++) size.accepted();
    expect(size.accepted()).toBe(12); // the probe
    // a short range cut at the probe size: the limit is under 10, but 6 was accepted
    expect(size.refused(10)).toEqual({ half: 5, shrank: true });
    expect(size.current).toBe(6);
  });

  it('a refusal of less than a size already accepted splits that request but keeps the size', () => {
    const size = new AdaptiveBatchSize(400, 100, 3);
    size.accepted(100);
    expect(size.refused(60)).toEqual({ half: 30, shrank: false });
    expect(size.current).toBe(100);
    // the accepted size itself refused: the limit moved, so the size halves
    expect(size.refused(100)).toEqual({ half: 50, shrank: true });
    expect(size.current).toBe(50);
  });
});

/** Pinterest's rules the destination applies for core: list types, "too small" refusals, counter agreement. */
import { describe, expect, it } from 'vitest';
import { counterDisagreement, isAudienceTooSmall, listTypeFor } from '../../connectors/pinterest/pinterest-audience-rules.js';
import type { CustomerListInfo } from '../../core/destination.js';
import { DestinationError } from '../../core/errors.js';

function list(uploaded: number, removed: number): CustomerListInfo {
  return { id: '1', name: 'l', status: 'READY', numUploadedUserRecords: uploaded, numRemovedUserRecords: removed, numBatches: 1 };
}

describe('Pinterest audience rules', () => {
  it('a list of only mobile ad ids is MAID or IDFA; emails or a mix make an EMAIL list', () => {
    expect(listTypeFor(['maid'])).toBe('MAID');
    expect(listTypeFor(['maid', 'maid'])).toBe('MAID');
    expect(listTypeFor(['idfa'])).toBe('IDFA');
    expect(listTypeFor(['email'])).toBe('EMAIL');
    expect(listTypeFor(['email', 'maid', 'idfa'])).toBe('EMAIL');
    expect(listTypeFor(['maid', 'idfa'])).toBe('EMAIL');
  });

  it('only a 400 that says the list is too small is a "too small" refusal', () => {
    expect(isAudienceTooSmall(new DestinationError('X', 'HTTP 400: audience is too small', { status: 400 }))).toBe(true);
    expect(isAudienceTooSmall(new DestinationError('X', 'HTTP 400: needs at least 100 users', { status: 400 }))).toBe(true);
    expect(isAudienceTooSmall(new DestinationError('X', 'HTTP 400: invalid name', { status: 400 }))).toBe(false);
    expect(isAudienceTooSmall(new DestinationError('X', 'HTTP 500: too small', { status: 500 }))).toBe(false);
    expect(isAudienceTooSmall(new Error('too small'))).toBe(false);
  });

  it('counters agree when they grew by what was sent, or by more when batches may have been replayed', () => {
    expect(counterDisagreement({ before: list(10, 2), after: list(15, 3), sent: { adds: 5, removes: 1 }, replaysPossible: false })).toBeUndefined();
    expect(counterDisagreement({ before: undefined, after: list(5, 0), sent: { adds: 5, removes: 0 }, replaysPossible: false })).toBeUndefined();
    expect(counterDisagreement({ before: list(10, 2), after: list(20, 3), sent: { adds: 5, removes: 1 }, replaysPossible: true })).toBeUndefined();
    expect(counterDisagreement({ before: list(10, 2), after: list(20, 3), sent: { adds: 5, removes: 1 }, replaysPossible: false })).toBe(
      "Pinterest's counters disagree with what pinsync sent this run: num_uploaded_user_records grew by 10, pinsync sent 5 additions (was the list changed outside pinsync?)",
    );
    expect(counterDisagreement({ before: list(10, 2), after: list(14, 2), sent: { adds: 5, removes: 1 }, replaysPossible: true })).toMatch(
      /grew by 4, pinsync sent 5 additions; num_removed_user_records grew by 0, pinsync sent 1 removals/,
    );
  });
});

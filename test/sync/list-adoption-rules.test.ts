/**
 * The adoption rule on its own (core/list-adoption.ts): the branches the end-to-end tests in list-adoption.test.ts
 * cannot reach through the emulator without contrivance.
 */
import { describe, expect, it } from 'vitest';
import type { CustomerListInfo } from '../../core/destination.js';
import { decideList, type ListDecisionInput } from '../../core/list-adoption.js';

function list(id: string, name: string, numBatches = 1): CustomerListInfo {
  return { id, name, status: 'READY', numUploadedUserRecords: 100 * numBatches, numRemovedUserRecords: 0, numBatches };
}

const base: Omit<ListDecisionInput, 'lists' | 'pending'> = { syncName: 'vip', adAccountId: '1', name: 'VIP', allowExisting: false };

describe('decideList', () => {
  it('creates when no list has the name, noting none as known', () => {
    expect(decideList({ ...base, lists: [list('1', 'Other')], pending: undefined })).toEqual({ kind: 'create', knownIds: [] });
  });

  it('adopts the one list that appeared since its create and was not written to since', () => {
    const lists = [list('5', 'VIP'), list('9', 'VIP')];
    expect(decideList({ ...base, lists, pending: { name: 'VIP', knownIds: ['5'] }, allowExisting: true })).toEqual({ kind: 'adopt', listId: '9' });
  });

  it('does not adopt a new same-named list that holds more than one batch: someone else wrote to it', () => {
    const lists = [list('9', 'VIP', 3)];
    expect(() => decideList({ ...base, lists, pending: { name: 'VIP', knownIds: [] } })).toThrow(expect.objectContaining({ code: 'PINSYNC_LIST_AMBIGUOUS' }));
  });

  it('refuses to guess when an older pinsync noted a create without the known ids and the name is taken', () => {
    const lists = [list('9', 'VIP')];
    expect(() => decideList({ ...base, lists, pending: { name: 'VIP', knownIds: null } })).toThrow(expect.objectContaining({ code: 'PINSYNC_LIST_AMBIGUOUS', exitCode: 1 }));
    expect(decideList({ ...base, lists: [], pending: { name: 'VIP', knownIds: null } })).toEqual({ kind: 'create', knownIds: [] });
  });

  it('refuses a name another list has (exit 2), unless --recreate allows creating beside it', () => {
    const lists = [list('5', 'VIP')];
    expect(() => decideList({ ...base, lists, pending: undefined })).toThrow(expect.objectContaining({ code: 'PINSYNC_LIST_NAME_TAKEN', exitCode: 2 }));
    expect(decideList({ ...base, lists, pending: undefined, allowExisting: true })).toEqual({ kind: 'create', knownIds: ['5'] });
  });

  it('a pending create under an old name (audience.name changed since) adopts by the old name', () => {
    const lists = [list('7', 'Old VIP')];
    expect(decideList({ ...base, lists, pending: { name: 'Old VIP', knownIds: [] } })).toEqual({ kind: 'adopt', listId: '7' });
  });
});

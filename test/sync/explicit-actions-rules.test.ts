/** The rules of explicit actions that need no engine: which cells are actions, the counts, the refusals, the warnings. */
import { describe, expect, it } from 'vitest';
import { actionDiffCounts, actionsReport, actionWarnings, checkActionOptions, parseAction } from '../../core/explicit-actions.js';

describe('explicit action rules', () => {
  it('add and remove in any case and surrounded by whitespace are actions; anything else is not', () => {
    for (const cell of ['add', 'ADD', ' Add ', '\tadd\n', 'aDd']) expect(parseAction(cell)).toBe('ADD');
    for (const cell of ['remove', 'REMOVE', '  Remove']) expect(parseAction(cell)).toBe('REMOVE');
    for (const cell of [null, undefined, '', ' ', 'added', 'delete', 'a d d', 'add,remove', 1, 0, true, ['add'], { action: 'add' }, new Uint8Array([97, 100, 100])]) {
      expect(parseAction(cell)).toBeUndefined();
    }
  });

  it('the diff counts follow from the sets an engine found', () => {
    expect(actionDiffCounts({ acknowledged: 10, addRecords: 6, removeRecords: 4, conflicts: 1, adds: 3, removes: 2 })).toEqual({
      acknowledged: 10,
      current: 11,
      adds: 3,
      removes: 2,
      unchanged: 8,
      actions: { addRecords: 6, removeRecords: 4, conflicts: 1, alreadyMembers: 2, notMembers: 2 },
    });
  });

  it('refuses the options that need the whole audience, and diff: warehouse', () => {
    expect(() => checkActionOptions({ name: 's' }, { fullResync: false })).not.toThrow();
    expect(() => checkActionOptions({ name: 's' }, { fullResync: true })).toThrow(/--full-resync needs/);
    expect(() => checkActionOptions({ name: 's' }, { fullResync: false, recreate: true })).toThrow(/--recreate needs/);
    expect(() => checkActionOptions({ name: 's', diff: 'warehouse' }, { fullResync: false })).toThrow(/diff: warehouse/);
  });

  it('warns of conflicts, of a column where no row had a valid action, and of invalid actions beside valid ones', () => {
    const report = (rows: { addRows: number; removeRows: number; invalidRows: number }, conflicts: number) =>
      actionsReport('action', rows, { addRecords: 0, removeRecords: 0, conflicts, alreadyMembers: 0, notMembers: 0 });
    expect(actionWarnings(report({ addRows: 1, removeRows: 0, invalidRows: 5 }, 0))).toEqual([
      '5 rows in column action had neither add nor remove and were not sent (invalid_action); fix the values in the query (e.g. map delete or unsubscribe to remove)',
    ]);
    expect(actionWarnings(report({ addRows: 0, removeRows: 0, invalidRows: 0 }, 0))).toEqual([]);
    expect(actionWarnings(report({ addRows: 2, removeRows: 2, invalidRows: 0 }, 1))).toEqual(['1 record was both added and removed by this run\'s rows: removed, not added (remove wins)']);
    expect(actionWarnings(report({ addRows: 0, removeRows: 0, invalidRows: 3 }, 0))).toEqual([
      'no row had a valid action in column action (add or remove): nothing was sent; 3 rows were rejected as invalid_action',
    ]);
  });
});

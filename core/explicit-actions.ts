/**
 * Explicit actions (`actions: { column: action }` on a sync): the query hands over rows already marked `add` or
 * `remove` instead of the whole audience. The rows still go through normalization and the acknowledged membership:
 * an add of a record already acknowledged is not sent again, a remove of a record that is not a member is not sent,
 * so the stored membership stays exactly what Pinterest acknowledged and a later switch to full-diff mode is exact.
 *
 * A record both added and removed in one run (two rows, or one person's email added by one row and removed by
 * another) is removed: SQL gives the rows no order, so "the later row wins" cannot be decided, and of the two
 * mistakes, sending a record after its remove (a withdrawn consent, an opt-out) is the one that must not happen.
 */
import { UsageError } from './errors.js';

/** What a valid action cell asks for. */
export type RecordAction = 'ADD' | 'REMOVE';

/** The reason a row with an action that is neither `add` nor `remove` (NULL included) is counted under. */
export const INVALID_ACTION = 'invalid_action';

/** A sync's explicit-action setting. */
export interface ActionsSetting {
  /** Result column holding `add` or `remove` per row. */
  column: string;
}

/** `add`/`remove` in any case, surrounded by any whitespace; anything else (NULL, numbers, other words) is undefined. */
export function parseAction(value: unknown): RecordAction | undefined {
  if (typeof value !== 'string') return undefined;
  const word = value.trim().toLowerCase();
  if (word === 'add') return 'ADD';
  if (word === 'remove') return 'REMOVE';
  return undefined;
}

/** Row counts of the action column, as read. */
export interface ActionRowCounts {
  /** Rows marked add. */
  addRows: number;
  /** Rows marked remove. */
  removeRows: number;
  /** Rows whose action was neither add nor remove (NULL included): rejected whole, their identifiers not read. */
  invalidRows: number;
}

/** How the staged action records met the acknowledged membership (distinct hashed records, not rows). */
export interface ActionDiffCounts {
  /** Distinct records some row asked to add. */
  addRecords: number;
  /** Distinct records some row asked to remove. */
  removeRecords: number;
  /** Records asked to be both added and removed: removed (remove wins), never added. */
  conflicts: number;
  /** Records asked to be added that are acknowledged members already: not sent again. */
  alreadyMembers: number;
  /** Records asked to be removed that are not members: nothing to send. */
  notMembers: number;
}

/** The report's `actions` section of an explicit-action sync. */
export interface ActionsReport extends ActionRowCounts, ActionDiffCounts {
  /** The action column. */
  column: string;
}

/** An empty ActionDiffCounts (nothing staged). */
export function noActionDiff(): ActionDiffCounts {
  return { addRecords: 0, removeRecords: 0, conflicts: 0, alreadyMembers: 0, notMembers: 0 };
}

/**
 * The diff counts of an action run from the sets an engine found: `acknowledged` members before the run, the
 * distinct records asked to be added and removed, those asked both ways, and the add-only records and the removes
 * that are members. `current` is the membership the run leaves (acknowledged − removes + adds).
 */
export function actionDiffCounts(found: {
  acknowledged: number;
  addRecords: number;
  removeRecords: number;
  conflicts: number;
  adds: number;
  removes: number;
}): { acknowledged: number; current: number; adds: number; removes: number; unchanged: number; actions: ActionDiffCounts } {
  const { acknowledged, addRecords, removeRecords, conflicts, adds, removes } = found;
  return {
    acknowledged,
    current: acknowledged - removes + adds,
    adds,
    removes,
    unchanged: acknowledged - removes,
    actions: { addRecords, removeRecords, conflicts, alreadyMembers: addRecords - conflicts - adds, notMembers: removeRecords - removes },
  };
}

/**
 * Refuses the options that need the whole audience: `--full-resync` re-sends the full current membership and
 * `--recreate` fills a new list with it, but an action sync's query only holds changes. Also refuses `diff: warehouse`
 * (the config check does too; a job built by hand gets the same answer): the planner diffs whole results only.
 */
export function checkActionOptions(job: { name: string; diff?: string | undefined }, options: { fullResync: boolean; recreate?: boolean | undefined }): void {
  const syncName = job.name;
  if (job.diff === 'warehouse') throw new UsageError(`sync ${syncName}: explicit actions are diffed in the state (diff: state), not with diff: warehouse`);
  const option = options.fullResync ? '--full-resync' : options.recreate ? '--recreate' : undefined;
  if (option === undefined) return;
  throw new UsageError(
    `sync ${syncName} sends explicit actions, so its query holds changes, not the whole audience that ${option} needs: ` +
      `run ${option} once with the sync's actions: removed and a query that returns the whole audience, then put actions: back`,
  );
}

/** The report's `actions` section from the ingest's row counts and the diff's record counts. */
export function actionsReport(column: string, rows: ActionRowCounts | undefined, diff: ActionDiffCounts | undefined): ActionsReport {
  return { column, ...(rows ?? { addRows: 0, removeRows: 0, invalidRows: 0 }), ...(diff ?? noActionDiff()) };
}

/** Warnings an action run's counts call for: conflicting records, and a column where no row had a valid action. */
export function actionWarnings(actions: ActionsReport): string[] {
  const warnings: string[] = [];
  if (actions.conflicts > 0) {
    warnings.push(`${actions.conflicts} record${actions.conflicts === 1 ? ' was' : 's were'} both added and removed by this run's rows: removed, not added (remove wins)`);
  }
  if (actions.invalidRows > 0 && actions.addRows + actions.removeRows === 0) {
    warnings.push(`no row had a valid action in column ${actions.column} (add or remove): nothing was sent; ${actions.invalidRows} rows were rejected as invalid_action`);
  } else if (actions.invalidRows > 0) {
    // A remove spelled `delete` or `unsubscribe` is an opt-out that was not sent: say so, not only in a count.
    warnings.push(
      `${actions.invalidRows} row${actions.invalidRows === 1 ? '' : 's'} in column ${actions.column} had neither add nor remove and ${actions.invalidRows === 1 ? 'was' : 'were'} not sent (invalid_action); ` +
        'fix the values in the query (e.g. map delete or unsubscribe to remove)',
    );
  }
  return warnings;
}

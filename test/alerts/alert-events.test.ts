/** Which events a run raises, from its report and the sync's earlier runs: streaks, recovery, repeat, warnings. */
import { describe, expect, it } from 'vitest';
import { eventsForChannel, raisedEvents } from '../../core/alerts/alert-events.js';
import { warningKind } from '../../core/alerts/warning-kind.js';
import type { RunRecord } from '../../core/state-store.js';
import type { RunStatus, SyncReport } from '../../core/sync-report.js';
import { failedSync, succeededSync } from '../cli-output/report-fixtures.js';

function report(status: RunStatus, runId: number, warnings: string[] = []): SyncReport {
  const from = status === 'failed' ? failedSync : succeededSync;
  return { ...from, sync: 'vip', mode: 'sync', status, runId, warnings };
}

/** Earlier runs, oldest first as written; returned newest first, as `listRuns` gives them. */
function history(...statuses: (RunStatus | [RunStatus, string[]])[]): RunRecord[] {
  return statuses
    .map((s, i): RunRecord => {
      const [status, warnings] = Array.isArray(s) ? s : [s, []];
      return { id: i + 1, syncName: 'vip', status, startedAt: '', finishedAt: '', report: report(status, i + 1, warnings), addsSent: 0, removesSent: 0, batches: 0, customerListId: null, holderGone: false };
    })
    .reverse();
}

const first = { events: ['failed', 'guardrail', 'recovered', 'warning'] as const, repeat: 'first' as const };
const every = { ...first, repeat: 'every' as const };

function eventsOf(r: SyncReport, earlier: RunRecord[], channel: typeof first | typeof every = first) {
  return eventsForChannel(raisedEvents(r, earlier).events, { events: [...channel.events], repeat: channel.repeat });
}

describe('raisedEvents', () => {
  it('a failure streak alerts once with repeat: first, on every run with repeat: every, and counts the streak', () => {
    expect(eventsOf(report('failed', 2), history('succeeded'))).toEqual(['failed']);
    expect(eventsOf(report('failed', 3), history('succeeded', 'failed'))).toEqual([]);
    expect(eventsOf(report('failed', 3), history('succeeded', 'failed'), every)).toEqual(['failed']);
    expect(raisedEvents(report('failed', 4), history('succeeded', 'failed', 'failed')).context.consecutiveFailures).toBe(3);
    // A first-ever run that fails is the start of a streak.
    expect(eventsOf(report('failed', 1), [])).toEqual(['failed']);
  });

  it('recovered fires on the first success after failures, with the streak it ended, and only then', () => {
    const raised = raisedEvents(report('succeeded', 4), history('succeeded', 'failed', 'guardrail'));
    expect(eventsForChannel(raised.events, first)).toEqual(['recovered']);
    expect(raised.context.failuresBefore).toBe(2);
    expect(eventsOf(report('succeeded', 5), history('succeeded', 'failed', 'succeeded'))).toEqual([]);
    expect(eventsOf(report('succeeded', 1), [])).toEqual([]);
  });

  it('a guardrail stop and a failure are different news; an interrupted run neither breaks nor extends a streak', () => {
    expect(eventsOf(report('guardrail', 3), history('succeeded', 'failed'))).toEqual(['guardrail']);
    expect(eventsOf(report('failed', 4), history('succeeded', 'failed', 'interrupted'))).toEqual([]);
    expect(eventsOf(report('succeeded', 4), history('failed', 'interrupted', 'running'))).toEqual(['recovered']);
    expect(eventsOf(report('interrupted', 2), history('failed'))).toEqual([]);
  });

  it('a plan raises nothing; runs of other syncs and later runs are not this sync’s history', () => {
    expect(eventsOf({ ...report('failed', 2), mode: 'plan', runId: undefined }, history('succeeded'))).toEqual([]);
    const other = history('failed').map((r) => ({ ...r, syncName: 'other' }));
    expect(eventsOf(report('succeeded', 5), other)).toEqual([]);
    // A run recorded after this one (another machine) does not count.
    expect(eventsOf(report('failed', 1), history('succeeded', 'failed'))).toEqual(['failed']);
  });

  it('a warning alerts when it is new, not again while it lasts (repeat: first), and channels choose their events', () => {
    const mismatch = "Pinterest's counters disagree with what pinsync sent this run: num_uploaded_user_records grew by 5, pinsync sent 7 additions";
    const mismatchAgain = mismatch.replace('by 5', 'by 9');
    expect(eventsOf(report('succeeded', 2, [mismatch]), history('succeeded'))).toEqual(['warning']);
    expect(eventsOf(report('succeeded', 3, [mismatchAgain]), history('succeeded', ['succeeded', [mismatch]]))).toEqual([]);
    expect(eventsOf(report('succeeded', 3, [mismatchAgain]), history('succeeded', ['succeeded', [mismatch]]), every)).toEqual(['warning']);
    const tooSmall = 'the audience was not created yet: Pinterest needs at least 100 matched users on the list; pinsync will try again on the next run';
    expect(eventsOf(report('succeeded', 3, [mismatch, tooSmall]), history('succeeded', ['succeeded', [mismatch]]))).toEqual(['warning']);
    // The default events leave warnings out.
    expect(eventsForChannel(raisedEvents(report('succeeded', 2, [mismatch]), []).events, { events: ['failed', 'guardrail', 'recovered'], repeat: 'first' })).toEqual([]);
    expect(eventsForChannel(raisedEvents(report('failed', 2, [mismatch]), []).events, { events: ['failed', 'warning'], repeat: 'first' })).toEqual(['failed', 'warning']);
  });

  it('groups warnings by kind', () => {
    expect(warningKind('the refresh token of destination pinterest expires in 3 days (2026-01-01T00:00:00.000Z): re-authorize')).toBe('token-expiring');
    expect(warningKind('dbt: model.x.y was not rebuilt; synced anyway (--include-unbuilt)')).toBe('dbt');
    expect(warningKind('skipped a tick: the previous run of vip is still running')).toBe('skipped-overlap');
    expect(warningKind('adopted customer list 123')).toBe(warningKind('adopted customer list 456'));
  });
});

/**
 * The application layer (core/app/run-syncs.ts) over in-memory fakes behind a fake AppRuntime: what it asks the
 * runtime for and in which order, what an observer sees, and what it opens and closes. No DuckDB, HTTP or files.
 */
import { describe, expect, it } from 'vitest';
import type { AppRuntime, OpenDestination } from '../../core/app/app-runtime.js';
import type { RunObserver } from '../../core/app/run-observer.js';
import { runSyncs, type RunSyncsOptions } from '../../core/app/run-syncs.js';
import { EXIT, UsageError } from '../../core/errors.js';
import type { StateStore } from '../../core/state-store.js';
import { minimalConfig, parse } from '../config/config-fixtures.js';
import { InMemoryDestination } from '../fakes/in-memory-destination.js';
import { InMemoryStateData, InMemoryStateStore } from '../fakes/in-memory-state-store.js';
import { InMemoryWarehouse } from '../fakes/in-memory-warehouse.js';

const emails = (n: number): string[] => Array.from({ length: n }, (_, i) => `user${i}@example.com`);

/** Two syncs on one warehouse and one destination that sends at most 2 records per request. */
function twoSyncConfig(extra: (c: Record<string, any>) => void = () => undefined) {
  const c = minimalConfig();
  c.destinations.pinterest.batch = { maxRecords: 2 };
  c.syncs[0].name = 'vip';
  c.syncs.push({ ...c.syncs[0], name: 'churned', audience: { name: 'Churned' } });
  extra(c);
  return parse(c);
}

/** A runtime over fakes that logs every call it gets, in order. */
function fakeRuntime(rows = emails(5)) {
  const calls: string[] = [];
  const data = new InMemoryStateData();
  const opened: StateStore[] = [];
  const runtime: AppRuntime = {
    async openState(_config, { planOnly }) {
      calls.push(`openState planOnly=${planOnly}`);
      const store = new InMemoryStateStore(data);
      const close = store.close.bind(store);
      store.close = async () => {
        calls.push('closeState');
        await close();
      };
      opened.push(store);
      return store;
    },
    async createWarehouse(name) {
      calls.push(`createWarehouse ${name}`);
      const warehouse = InMemoryWarehouse.ofColumn('email', rows);
      const close = warehouse.close.bind(warehouse);
      warehouse.close = async () => {
        calls.push(`closeWarehouse ${name}`);
        await close();
      };
      return warehouse;
    },
    createDestination(_config, name): OpenDestination {
      calls.push(`createDestination ${name}`);
      return Object.assign(new InMemoryDestination({ audienceMinMatched: 1 }), {
        close: async () => void calls.push(`closeDestination ${name}`),
      });
    },
    assertCredentialsSet: (_config, name) => void calls.push(`assertCredentialsSet ${name}`),
    assertAuthorized: async (_config, name) => void calls.push(`assertAuthorized ${name}`),
    async notifyAlerts(_config, reports) {
      calls.push(`notifyAlerts ${reports.map((r) => r.sync).join(',')}`);
      return reports.map((r) => ({ ...r, warnings: [...r.warnings, 'alerts: noted'] }));
    },
  };
  return { runtime, calls, data, opened };
}

/** An observer that logs its events, in order. */
function recordingObserver(events: string[]): RunObserver {
  return {
    runStart: (e) => void events.push(`runStart ${e.syncs.join(',')} skipped=${e.skipped.map((s) => s.sync).join(',')} dryRun=${e.dryRun}`),
    syncStart: (e) => void events.push(`syncStart ${e.sync}`),
    batchAcknowledged: (e) => void events.push(`batch ${e.sync} ${e.records}`),
    syncReport: (r) => void events.push(`report ${r.sync} exit=${r.exitCode}`),
    runEnd: (r) => void events.push(`runEnd ${r.reports.map((x) => x.sync).join(',')}`),
  };
}

const SYNC: RunSyncsOptions = { dryRun: false, fullResync: false, force: false, recreate: false, cwd: '/cfg', configLabel: 'pinsync.yaml' };

describe('runSyncs (core/app)', () => {
  it('runs the selected syncs in order, telling the observer of the run, each batch and each report', async () => {
    const { runtime, calls } = fakeRuntime(emails(5));
    const events: string[] = [];
    const result = await runSyncs(twoSyncConfig(), {}, SYNC, runtime, recordingObserver(events));

    expect(events).toEqual([
      'runStart vip,churned skipped= dryRun=false',
      'syncStart vip',
      'batch vip 2',
      'batch vip 2',
      'batch vip 1',
      'report vip exit=0',
      'syncStart churned',
      'batch churned 2',
      'batch churned 2',
      'batch churned 1',
      'report churned exit=0',
      'runEnd vip,churned',
    ]);
    expect(result.reports.map((r) => [r.sync, r.exitCode, r.sent.adds])).toEqual([
      ['vip', EXIT.ok, 5],
      ['churned', EXIT.ok, 5],
    ]);
    expect(result.skipped).toEqual([]);
    // The reports returned are the ones the alerts step handed back.
    expect(result.reports.every((r) => r.warnings.includes('alerts: noted'))).toBe(true);
    // Credentials before the state; one warehouse connection shared by both syncs; everything opened is closed.
    expect(calls).toEqual([
      'assertCredentialsSet pinterest',
      'openState planOnly=false',
      'assertAuthorized pinterest',
      'createWarehouse local',
      'createDestination pinterest',
      'closeDestination pinterest',
      'createDestination pinterest',
      'closeDestination pinterest',
      'notifyAlerts vip,churned',
      'closeWarehouse local',
      'closeState',
    ]);
  });

  it('plans without credentials, destinations or batches, on a state opened read-only', async () => {
    const { runtime, calls } = fakeRuntime();
    const events: string[] = [];
    const result = await runSyncs(twoSyncConfig(), { sync: ['churned'] }, { ...SYNC, dryRun: true }, runtime, recordingObserver(events));

    expect(events).toEqual(['runStart churned skipped= dryRun=true', 'syncStart churned', 'report churned exit=0', 'runEnd churned']);
    expect(result.reports.map((r) => [r.sync, r.mode, r.diff.adds])).toEqual([['churned', 'plan', 5]]);
    expect(calls).toEqual(['openState planOnly=true', 'createWarehouse local', 'notifyAlerts churned', 'closeWarehouse local', 'closeState']);
  });

  it('stops before the state is opened when runStart throws (the CLI refusing an unwritable --out)', async () => {
    const { runtime, calls } = fakeRuntime();
    const refused = new UsageError('--out: not writable');
    await expect(runSyncs(twoSyncConfig(), {}, SYNC, runtime, { runStart: () => Promise.reject(refused) })).rejects.toBe(refused);
    expect(calls).toEqual(['assertCredentialsSet pinterest']);
  });

  it('throws a selection error before touching any connector', async () => {
    const { runtime, calls } = fakeRuntime();
    await expect(runSyncs(twoSyncConfig(), { sync: ['nope'] }, SYNC, runtime)).rejects.toThrow(/unknown sync "nope"; the config defines: vip, churned/);
    expect(calls).toEqual([]);
  });

  it("uses a caller's open state and leaves it open", async () => {
    const { runtime, calls, data } = fakeRuntime();
    const state = new InMemoryStateStore(data);
    const result = await runSyncs(twoSyncConfig(), { sync: ['vip'] }, { ...SYNC, state }, runtime);
    expect(result.reports.map((r) => r.exitCode)).toEqual([EXIT.ok]);
    expect(calls.filter((c) => c.includes('State'))).toEqual([]);
    // Still usable: the run it recorded is there.
    expect((await state.getSync('vip'))?.customerListId).toBeDefined();
  });

  it('--if-due: a sync that ran since its last tick becomes a skipped row, announced at run start', async () => {
    const config = twoSyncConfig((c) => {
      c.syncs[0].schedule = '0 0 1 1 *';
      c.syncs[1].schedule = '0 0 1 1 *';
    });
    const { runtime } = fakeRuntime();
    await runSyncs(config, { sync: ['vip'] }, SYNC, runtime);
    const events: string[] = [];
    const result = await runSyncs(config, {}, { ...SYNC, ifDue: true, now: () => new Date() }, runtime, recordingObserver(events));
    expect(result.skipped.map((s) => s.sync)).toEqual(['vip']);
    expect(result.reports.map((r) => r.sync)).toEqual(['churned']);
    expect(events[0]).toBe('runStart churned skipped=vip dryRun=false');
  });
});

/**
 * The state half of `diff: warehouse` acknowledgement (state schema v6, `planner_ranges`), on each state engine:
 * a batch's range and its counters are recorded together, a range recorded twice is kept once, forgetting removes
 * exactly the given ranges, and shared Postgres state refuses to record for a runner that does not hold the lock.
 */
import { hostname } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { DuckDbStateStore } from '../../../connectors/state/duckdb/duckdb-state-store.js';
import { PostgresStateStore } from '../../../connectors/state/postgres/postgres-state-store.js';
import type { Acknowledgement, PlannerRange, StateStore } from '../../../core/state-store.js';
import { InMemoryStateStore } from '../../fakes/in-memory-state-store.js';
import { freshSchema, stateUrl } from '../../state/postgres-state-target.js';
import { pgAdmin } from '../postgres-target.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function postgresState(): Promise<StateStore> {
  const schema = freshSchema();
  const store = (await PostgresStateStore.open(stateUrl(schema)))!;
  cleanups.push(async () => {
    await store.close();
    const admin = await pgAdmin();
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.end();
  });
  return store;
}

async function duckdbState(): Promise<StateStore> {
  const store = await DuckDbStateStore.open(':memory:');
  cleanups.push(() => store.close());
  return store;
}

const ENGINES: [string, () => Promise<StateStore>][] = [
  ['duckdb', duckdbState],
  ['postgres', postgresState],
  ['in-memory fake', async () => new InMemoryStateStore()],
];

function batch(runId: number, op: 'ADD' | 'REMOVE', start: number, end: number, createdList = false): [PlannerRange, Acknowledgement] {
  return [
    { syncName: 's', runId, op, start, end, deltaTable: `delta_${runId}_s` },
    { runId, op, start, end, customerListId: '77', createdList },
  ];
}

describe.each(ENGINES)('planner ranges in %s state', (_engine, open) => {
  it('records a range with its counters, once per range, and forgets exactly the given ones', async () => {
    const state = await open();
    await state.saveSync('s', { adAccountId: '1', normalizationVersion: 1 });
    const lock = await state.acquireLock('s', { pid: process.pid, host: hostname(), runId: null });
    const runId = await state.startRun('s', new Date());
    await state.recordPlannerBatch!(...batch(runId, 'ADD', 0, 100, true));
    await state.recordPlannerBatch!(...batch(runId, 'ADD', 100, 150));
    await state.recordPlannerBatch!(...batch(runId, 'ADD', 100, 150)); // a replayed acknowledgement
    await state.recordPlannerBatch!(...batch(runId, 'REMOVE', 0, 10));
    const ranges = await state.listPlannerRanges!('s');
    expect(ranges.map((r) => [r.op, r.start, r.end])).toEqual([
      ['ADD', 0, 100],
      ['ADD', 100, 150],
      ['REMOVE', 0, 10],
    ]);
    expect((await state.getSync('s'))!.customerListId).toBe('77');
    const [run] = await state.listRuns({ syncNames: ['s'] });
    expect(run).toEqual(expect.objectContaining({ addsSent: 200, removesSent: 10, batches: 4 }));
    await state.forgetPlannerRanges!(ranges.slice(0, 2));
    expect((await state.listPlannerRanges!()).map((r) => r.op)).toEqual(['REMOVE']);
    await lock.release();
  });
});

describe('planner ranges on shared state', () => {
  it('are refused for a runner that does not hold the sync lock', async () => {
    const state = await postgresState();
    await state.saveSync('s', { adAccountId: '1', normalizationVersion: 1 });
    const runId = await state.startRun('s', new Date());
    await expect(state.recordPlannerBatch!(...batch(runId, 'ADD', 0, 10))).rejects.toMatchObject({ code: 'PINSYNC_STATE_LOCK_LOST' });
    expect(await state.listPlannerRanges!('s')).toEqual([]);
  });
});

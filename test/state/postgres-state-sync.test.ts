/**
 * `pinsync sync` end to end on shared Postgres state: the CLI in its own process, the emulator over real HTTP, the
 * state in a schema of the run's PostgreSQL server (created by the first sync).
 */
import { escapeIdentifier } from 'pg';
import { describe, expect, it } from 'vitest';
import { expectedHashes, makePeople } from '../helpers/sync-fixture.js';
import { pgAdmin } from '../warehouses/postgres-target.js';
import { stateUrl, useSyncOnPostgresState, stateFromTestEnv } from './postgres-state-target.js';

const { fx, schema } = useSyncOnPostgresState();

async function usePostgresState(): Promise<void> {
  await stateFromTestEnv(fx());
}

async function schemaExists(): Promise<boolean> {
  const admin = await pgAdmin();
  try {
    return (await admin.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema()])).rowCount === 1;
  } finally {
    await admin.end();
  }
}

async function storedMembership(): Promise<number> {
  const admin = await pgAdmin();
  try {
    const { rows } = await admin.query<{ n: string }>(`SELECT count(*) AS n FROM ${escapeIdentifier(schema())}.membership`);
    return Number(rows[0]!.n);
  } finally {
    await admin.end();
  }
}

describe('sync on Postgres state', () => {
  it('plans without creating anything, creates the schema on the first sync, sends everything once, then only the delta, then nothing; runs shows the history', async () => {
    const env = { PINSYNC_TEST_STATE: stateUrl(schema()) };
    const people = makePeople(1, 300);
    await fx().setPeople(people);
    await fx().writeConfig({ maxRecords: 100 });
    await usePostgresState();

    // plan before the first sync: empty state, and the schema is not created
    const plan = await fx().cli(['plan', '--format', 'json'], env);
    expect(plan.code, plan.stderr).toBe(0);
    expect(await schemaExists()).toBe(false);

    const first = await fx().syncJson([], env);
    expect(first.code, first.stderr).toBe(0);
    expect(first.report.sent.adds).toBe(expectedHashes(people).size);
    expect(fx().membership()).toEqual(expectedHashes(people));
    expect(await storedMembership()).toBe(expectedHashes(people).size);

    const churned = [...people.slice(20), ...makePeople(1_000, 10)];
    await fx().setPeople(churned);
    const second = await fx().syncJson([], env);
    expect(second.code, second.stderr).toBe(0);
    expect(fx().membership()).toEqual(expectedHashes(churned));
    expect(second.report.sent.adds).toBe(expectedHashes(churned).size - (expectedHashes(people).size - expectedHashes(people.slice(0, 20)).size));

    const third = await fx().syncJson([], env);
    expect(third.code, third.stderr).toBe(0);
    expect(third.report.sent).toMatchObject({ adds: 0, removes: 0 });

    const replan = await fx().cli(['plan', '--format', 'json'], env);
    expect(replan.code, replan.stderr).toBe(0);
    expect(replan.stdout).toMatch(/"adds":\s*0/);

    const runs = await fx().cli(['runs', '--json'], env);
    expect(runs.code, runs.stderr).toBe(0);
    const history = JSON.parse(runs.stdout) as { runs: { status: string }[] };
    expect(history.runs.map((r) => r.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
  });
});

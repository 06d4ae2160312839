/**
 * A run that stops part-way reports only what it measured, the error first: a query that fails in DuckDB must not
 * show `source rows 0 … guardrails pass`, and a push that fails still shows the counts read and diffed before it.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makePeople, SyncFixture } from '../helpers/sync-fixture.js';

let fx: SyncFixture;

beforeEach(async () => {
  fx = await SyncFixture.create();
  await fx.setPeople(makePeople(1, 30));
});

afterEach(async () => {
  await fx.close();
});

/** The report block's rows (after the header line), label first. */
function rows(stdout: string): string[] {
  return stdout.trimEnd().split('\n').slice(1).map((l) => l.trim());
}

describe('a failed run reports only what it measured', () => {
  it('table: a query that fails in the warehouse starts with its error and shows no counts or guardrail verdict', async () => {
    await fx.writeConfig({ query: 'select email, gaid, idfa from no_such_table' });
    const res = await fx.cli(['sync']);
    expect(res.code).toBe(1);
    expect(res.stdout.split('\n')[0]).toMatch(/people_sync\s+·\s+SYNC\s+·\s+failed/);
    expect(rows(res.stdout)[0]).toMatch(/^error\s+PINSYNC_WAREHOUSE\w*: .*no_such_table/);
    for (const label of ['source rows', 'valid records', 'acknowledged before', 'adds', 'removes', 'unchanged', 'rejected', 'empty', 'guardrails', 'sent']) {
      expect(res.stdout).not.toMatch(new RegExp(`^  ${label} `, 'm'));
    }
    expect(res.stdout).not.toMatch(/push /);

    // The run history says the same: unknown counts are null, not 0.
    const runs = await fx.cli(['runs', '--json']);
    const run = (JSON.parse(runs.stdout) as { runs: Record<string, unknown>[] }).runs[0]!;
    expect(run).toMatchObject({ status: 'failed', sourceRows: null, addsPlanned: null, removesPlanned: null, unchanged: null, rejectedTotal: null });
  });

  it('markdown: the plan of a failing query leads with the error and has no zero counts, verdict or samples', async () => {
    await fx.writeConfig({ query: 'select email, gaid, idfa from no_such_table' });
    const res = await fx.cli(['plan', '--format', 'markdown']);
    expect(res.code).toBe(1);
    const section = res.stdout.slice(res.stdout.indexOf('### '));
    const afterStarted = section.split('\n').filter((l) => l !== '').slice(2);
    expect(afterStarted[0]).toMatch(/^\*\*Error:\*\* `PINSYNC_WAREHOUSE\w*`/);
    expect(section).not.toMatch(/source rows|Guardrails|✅ pass|adds \|/);
    // The summary row says what happened instead of a row of zeros and a pass.
    expect(res.stdout).toMatch(/\| `people_sync` \(failed\) \| — \| — \| — \| — \| — \|/);
  });

  it('a push that fails still shows what was read, diffed and checked, with the error first', async () => {
    await fx.writeConfig();
    fx.emulator.faults.failNext({ status: 403, code: 29, message: 'You are not permitted to access that resource.', count: 100, match: { method: 'POST' } });
    const res = await fx.cli(['sync']);
    expect(res.code).toBe(1);
    expect(rows(res.stdout)[0]).toMatch(/^error\s+PINSYNC_PINTEREST\w*/);
    expect(res.stdout).toMatch(/^ {2}source rows\s+30$/m);
    expect(res.stdout).toMatch(/^ {2}adds\s+\+\d+/m);
    expect(res.stdout).toMatch(/^ {2}guardrails\s+pass$/m);
    expect(res.stdout).toMatch(/^ {2}sent\s+0 adds, 0 removes in 0 batches$/m);
    expect(res.stdout).toMatch(/time\s+read .*, diff .*, push /);
  });
});

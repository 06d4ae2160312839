/**
 * `pinsync schedule` in-process: refusals at start-up (exit 2), and two syncs running side by side through one state
 * store (the process opens the DuckDB state once) until the stop signal, which ends the command with exit 0.
 */
import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import { writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { main } from '../../cli/pinsync.js';
import { AD_ACCOUNT, TOKEN, expectedHashes, makePeople, useSyncFixture } from '../helpers/sync-fixture.js';

const fx = useSyncFixture({ refuseSmallAudiences: false });

async function writeTwoSyncs(schedule: string): Promise<void> {
  const lines = [
    'state: duckdb:state.duckdb',
    'warehouses:',
    '  local: { type: duckdb, path: warehouse.duckdb }',
    'destinations:',
    '  pinterest:',
    '    type: pinterest',
    `    adAccountId: "${AD_ACCOUNT}"`,
    `    apiBaseUrl: ${fx().emulator.baseUrl}`,
    '    auth: { accessToken: "${PINTEREST_ACCESS_TOKEN}" }',
    '    retry: { baseDelayMs: 10, maxDelayMs: 50 }',
    '    rateLimits: { adsWritePerMinute: 60000, adsReadPerMinute: 60000 }',
    'syncs:',
    ...['odd', 'even'].flatMap((name, i) => [
      `  - name: ${name}`,
      '    warehouse: local',
      `    query: "select email from people where hash(email) % 2 = ${i === 0 ? 1 : 0}"`,
      '    identifiers: { email: email }',
      `    audience: { name: ${name} people }`,
      `    schedule: "${schedule}"`,
    ]),
    '',
  ];
  await writeFile(fx().configPath, lines.join('\n'));
}

/** Runs `pinsync schedule` in this process; `stop` aborts its signal, as SIGTERM does. */
function startSchedule(args: string[]) {
  const controller = new AbortController();
  const stderr = new PassThrough();
  let err = '';
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  const stdout = new PassThrough();
  stdout.resume();
  const done = main(['schedule', ...args, '-c', fx().configPath], {
    stdout,
    stderr,
    env: { PINTEREST_ACCESS_TOKEN: TOKEN, PINSYNC_LOG_LEVEL: 'info' },
    cwd: fx().dir,
    signal: controller.signal,
  });
  return { done, stop: () => controller.abort(), stderr: () => err };
}

describe('pinsync schedule', () => {
  it('refuses a config where no selected sync has a schedule (exit 2)', async () => {
    await fx().setPeople(makePeople(1, 4));
    await fx().writeConfig();
    const res = await fx().cli(['schedule']);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/no selected sync has a schedule/);
  });

  it('refuses --concurrency 0 (exit 2)', async () => {
    await fx().writeConfig({ syncExtra: ['schedule: "0 * * * *"'] });
    const res = await fx().cli(['schedule', '--concurrency', '0']);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/--concurrency must be a whole number of at least 1/);
  });

  it('runs due syncs side by side on one state store, and a stop ends it with exit 0', async () => {
    const people = makePeople(1, 40).map((p) => ({ email: p.email }));
    await fx().setPeople(people);
    await writeTwoSyncs('0 0 1 1 *');
    // Both are due at once (never run); slow reads keep them running at the same time.
    fx().emulator.faults.latency(150, { match: { method: 'GET' } });
    const run = startSchedule(['--concurrency', '2', '--log-json']);
    const deadline = Date.now() + 15_000;
    while ((run.stderr().match(/"event":"run_end"/g) ?? []).length < 2) {
      if (Date.now() > deadline) throw new Error(`timed out; stderr:\n${run.stderr()}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    // Idle between runs, the scheduler holds no state file open: another process (`pinsync runs`, a manual sync) can
    // use it. A DuckDB file is open for writing by one process at a time.
    const other = fx().spawnCli(['runs', '--json']);
    let otherErr = '';
    other.stderr!.on('data', (d: Buffer) => (otherErr += d.toString()));
    other.stdout!.resume();
    const [otherCode] = (await once(other, 'exit')) as [number | null];
    expect(otherCode, otherErr).toBe(0);
    run.stop();
    expect(await run.done, run.stderr()).toBe(0);
    const events = run.stderr().split('\n').filter((l) => l.includes('"event":"run_')).map((l) => (JSON.parse(l) as { event: string; sync: string }).event);
    // Both started before either ended: two runs at once, on one state store.
    expect(events).toEqual(['run_start', 'run_start', 'run_end', 'run_end']);
    expect(run.stderr()).not.toMatch(/"exitCode":[1-9]/);
    const lists = fx().emulator.lists();
    expect(lists).toHaveLength(2);
    const union = new Set(lists.flatMap((l) => [...fx().emulator.membership(l.id)]));
    expect(union).toEqual(expectedHashes(people));
    const runs = JSON.parse((await fx().cli(['runs', '--json'])).stdout) as { runs: { status: string }[] };
    expect(runs.runs.map((r) => r.status)).toEqual(['succeeded', 'succeeded']);
  }, 30_000);
});

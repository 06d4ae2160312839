/**
 * Containers reuse PID 1: a run killed while it was PID 1 of its PID namespace must not lock out the next run, which
 * is PID 1 again. Both runs are the real CLI as PID 1 of a fresh namespace (`unshare --pid --fork --mount-proc`).
 */
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openDuckDb } from '../../connectors/duckdb/open-duckdb.js';
import { expectedHashes, makePeople, REPO_ROOT, SyncFixture, TOKEN, TSX_LOADER } from '../helpers/sync-fixture.js';

let fx: SyncFixture;

beforeAll(() => {
  // This test must not skip quietly where PID namespaces are unavailable: it is the only proof of the container case.
  let pid = '';
  try {
    pid = execFileSync('unshare', ['--pid', '--fork', '--mount-proc', 'sh', '-c', 'echo $$'], { encoding: 'utf8' }).trim();
  } catch (err) {
    throw new Error(`this test needs \`unshare --pid --fork --mount-proc\` (root or CAP_SYS_ADMIN) to run pinsync as PID 1: ${String(err)}`);
  }
  if (pid !== '1') throw new Error(`unshare --pid --fork did not make the child PID 1 (it was ${pid})`);
});

beforeEach(async () => {
  fx = await SyncFixture.create();
});

afterEach(async () => {
  fx.emulator.faults.clear();
  await fx.close();
});

/** `pinsync sync --json` as PID 1 of a new PID namespace. */
function syncAsPid1() {
  const child = spawn(
    'unshare',
    ['--pid', '--fork', '--mount-proc', process.execPath, '--import', TSX_LOADER, join(REPO_ROOT, 'cli/pinsync.ts'), 'sync', '--json', '-c', fx.configPath],
    { cwd: fx.dir, env: { ...process.env, PINTEREST_ACCESS_TOKEN: TOKEN, PINSYNC_LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = once(child, 'exit').then(([code]) => ({ code: code as number | null, stdout, stderr }));
  return { child, exited, output: () => stderr };
}

async function lockRows(): Promise<Record<string, unknown>[]> {
  const instance = await openDuckDb(fx.statePath, { readOnly: true });
  const conn = await instance.connect();
  try {
    return (await conn.runAndReadAll('SELECT sync_name, pid, host, run_id FROM locks')).getRowObjectsJS() as Record<string, unknown>[];
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

/**
 * kill -9 of the namespace's PID 1 (seen from here under another pid), which takes the whole namespace with it, as
 * when a container is killed. unshare itself then exits.
 */
function killNamespace(unsharePid: number): void {
  const children = readFileSync(`/proc/${unsharePid}/task/${unsharePid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
  if (children.length !== 1) throw new Error(`expected unshare to have one child (the namespace's PID 1), found ${children.length}`);
  process.kill(Number(children[0]), 'SIGKILL');
}

function addsAcknowledged(): number {
  return fx.emulator.requests.filter((r) => r.method === 'PATCH' && r.status === 200).length;
}

describe('a run killed as PID 1 of its container', () => {
  it('does not lock out the next run, which is PID 1 again: it takes the lock and finishes with exact membership', async () => {
    const people = makePeople(1, 3_000);
    await fx.setPeople(people);
    await fx.writeConfig({ maxRecords: 100 });
    fx.emulator.faults.latency(40);

    const first = syncAsPid1();
    const deadline = Date.now() + 30_000;
    while (addsAcknowledged() < 4) {
      if (first.child.exitCode !== null) throw new Error(`the first run ended before it could be killed: ${first.output()}`);
      if (Date.now() > deadline) throw new Error(`timed out waiting for the first run to push: ${first.output()}`);
      await new Promise((r) => setTimeout(r, 5));
    }
    killNamespace(first.child.pid!);
    await first.exited;
    fx.emulator.faults.clear();

    // The killed run left its lock behind, held by PID 1 on this very host.
    const locks = await lockRows();
    expect(locks).toHaveLength(1);
    expect(locks[0]).toMatchObject({ sync_name: 'people_sync', pid: 1 });
    expect(locks[0]!.run_id).not.toBeNull();

    const second = await syncAsPid1().exited;
    expect(second.stderr).not.toMatch(/already running/);
    expect(second.code).toBe(0);
    const expected = expectedHashes(people);
    expect(fx.membership()).toEqual(expected);
    expect(await fx.storedMembership()).toEqual(expected);
    expect(fx.emulator.lists()).toHaveLength(1);
  });
});

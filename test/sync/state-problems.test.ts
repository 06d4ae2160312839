/**
 * State problems met through the CLI: a state path that cannot be created, a state written by a newer pinsync, a
 * disk that fills up during a sync. Each ends with a message that names the path, the cause and the fix, never
 * PINSYNC_UNEXPECTED, a stack trace or DuckDB's "cannot rollback - no transaction is active".
 */
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDuckDb } from '../../connectors/duckdb/open-duckdb.js';
import { STATE_SCHEMA_VERSION } from '../../connectors/state/state-migrations.js';
import { makePeople, REPO_ROOT, SyncFixture, TOKEN, TSX_LOADER } from '../helpers/sync-fixture.js';

let fx: SyncFixture;

beforeEach(async () => {
  fx = await SyncFixture.create();
  await fx.setPeople(makePeople(1, 50));
});

afterEach(async () => {
  fx.emulator.faults.clear();
  await fx.close();
});

async function useState(state: string): Promise<void> {
  await fx.writeConfig();
  const config = await readFile(fx.configPath, 'utf8');
  await writeFile(fx.configPath, config.replace('state: duckdb:state.duckdb', `state: duckdb:${state}`));
}

function expectActionable(stderr: string): void {
  expect(stderr).not.toMatch(/unexpected error|PINSYNC_UNEXPECTED|cannot rollback/);
  expect(stderr).not.toMatch(/\n\s+at /); // no stack trace
}

const COMMANDS = [['sync'], ['plan'], ['runs']];

describe('a state path that cannot be created', () => {
  it('sync: a folder that cannot be made (/proc/nope) names the path and the fix', async () => {
    await useState('/proc/nope/state.duckdb');
    const res = await fx.cli(['sync']);
    expect(res.code).toBe(1);
    expectActionable(res.stderr);
    expect(res.stderr).toContain('/proc/nope/state.duckdb');
    expect(res.stderr).toMatch(/point `state:`/);
    expect(fx.emulator.requests.filter((r) => r.method !== 'GET')).toEqual([]);
  });

  it('sync: a folder on the path that is a file', async () => {
    await writeFile(join(fx.dir, 'notafolder'), 'x');
    await useState('notafolder/state.duckdb');
    const res = await fx.cli(['sync']);
    expect(res.code).toBe(1);
    expectActionable(res.stderr);
    expect(res.stderr).toContain(join(fx.dir, 'notafolder/state.duckdb'));
    expect(res.stderr).toMatch(/is a file, not a folder/);
  });
});

describe('a state written by a newer pinsync', () => {
  it.each(COMMANDS)('%s: says to upgrade pinsync, not to run sync', async (command) => {
    await useState('state.duckdb');
    expect((await fx.cli(['sync'])).code).toBe(0);
    const instance = await openDuckDb(fx.statePath);
    const conn = await instance.connect();
    await conn.run(`INSERT INTO schema_migrations VALUES (${STATE_SCHEMA_VERSION + 1}, 'from-the-future', now())`);
    conn.closeSync();
    instance.closeSync();

    const res = await fx.cli([command]);
    expect(res.code).toBe(1);
    expectActionable(res.stderr);
    expect(res.stderr).toContain(fx.statePath);
    expect(res.stderr).toMatch(/written by a newer pinsync/);
    expect(res.stderr).toMatch(/upgrade pinsync/);
    expect(res.stderr).not.toMatch(/run `pinsync sync`/);
  });
});

describe('the state disk fills up during a sync', () => {
  it('stops with PINSYNC_STATE_DISK_FULL naming the state and the fix', async () => {
    try {
      execFileSync('unshare', ['--mount', 'true']);
    } catch (err) {
      throw new Error(`this test needs \`unshare --mount\` (root or CAP_SYS_ADMIN) to give the state a small disk: ${String(err)}`);
    }
    const people = makePeople(1, 40_000);
    await fx.setPeople(people);
    await mkdir(join(fx.dir, 'small'));
    await useState('small/state.duckdb');
    // A 1 MB disk, mounted in a private mount namespace so nothing is left mounted when the child ends.
    const child = spawn(
      'unshare',
      ['--mount', 'sh', '-c', 'mount -t tmpfs -o size=1m tmpfs "$1" && shift && exec "$@"', 'sh', join(fx.dir, 'small'), process.execPath, '--import', TSX_LOADER, join(REPO_ROOT, 'cli/pinsync.ts'), 'sync', '--json', '-c', fx.configPath],
      { cwd: fx.dir, env: { ...process.env, PINTEREST_ACCESS_TOKEN: TOKEN, PINSYNC_LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const [code] = (await once(child, 'exit')) as [number];
    expect(code, stderr).toBe(1);
    expectActionable(stderr);
    const report = (JSON.parse(stdout) as { syncs: { error: { code: string; message: string }; sent: { adds: number } }[] }).syncs[0]!;
    expect(report.error.code).toBe('PINSYNC_STATE_DISK_FULL');
    expect(report.error.message).toContain(join(fx.dir, 'small/state.duckdb'));
    expect(report.error.message).toMatch(/full/);
    expect(report.error.message).toMatch(/free space/i);
  });
});

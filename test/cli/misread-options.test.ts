/**
 * Issue 7 item 1, the forms yargs misreads without an error: a switch given a value (`sync --dry-run=yes` is read
 * as `--dry-run=false` and syncs for real; `--force=yes` is silently not forced), an option given no value (`-c`
 * at the end of a line, or `-c "$UNSET"`, falls back to $PINSYNC_CONFIG or ./pinsync.yaml: a config nobody named)
 * and a one-value option given twice (`sync --format json --format table` synced, then crashed: exit 1, no report).
 * Each stops with exit 2 before anything is read, sent or stored, against a config that would really sync.
 */
import { existsSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../cli/pinsync.js';
import { makePeople, SyncFixture, TOKEN } from '../helpers/sync-fixture.js';

let fx: SyncFixture;

beforeAll(async () => {
  fx = await SyncFixture.create();
  await fx.setPeople(makePeople(1, 20));
  // The config sits where the defaults would find it too: a missing -c value must not fall back to it.
  await fx.writeConfig();
});

afterAll(async () => {
  await fx.close();
});

beforeEach(() => {
  fx.emulator.clearRequests();
});

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await main(args, { stdout, stderr, env: { PINTEREST_ACCESS_TOKEN: TOKEN, PINSYNC_LOG_LEVEL: 'warn' }, cwd: fx.dir, signal: AbortSignal.timeout(5_000) });
  return { code, stdout: out, stderr: err };
}

const SWITCH = /is a switch and takes no value/;
const NO_VALUE = /needs a value/;
const TWICE = /given more than once/;

const lines: [string[], RegExp][] = [
  [['sync', '--dry-run=yes', '-c', 'pinsync.yaml'], SWITCH],
  [['sync', '--dry-run=1', '-c', 'pinsync.yaml'], SWITCH],
  [['sync', '--force=yes', '-c', 'pinsync.yaml'], SWITCH],
  [['sync', '--json=1', '-c', 'pinsync.yaml'], SWITCH],
  [['plan', '--full-resync=yes', '-c', 'pinsync.yaml'], SWITCH],
  [['doctor', '--json=yes', '-c', 'pinsync.yaml'], SWITCH],
  [['sync', '-c'], NO_VALUE],
  [['sync', '--config='], NO_VALUE],
  // yargs drops a trailing `--sync=` and would run the syncs named before it
  [['sync', '-c', 'pinsync.yaml', '--sync=people_sync', '--sync='], NO_VALUE],
  [['sync', '--out', '-c', 'pinsync.yaml'], NO_VALUE],
  [['runs', '--limit', '-c', 'pinsync.yaml'], NO_VALUE],
  [['auth', 'status', '-c'], NO_VALUE],
  // yargs makes a list of a repeated option: --format's was only read after the sync ran (report lost, exit 1)
  [['sync', '--format', 'json', '--format', 'table', '-c', 'pinsync.yaml'], TWICE],
  [['sync', '--out', 'a.txt', '--out', 'b.txt', '-c', 'pinsync.yaml'], TWICE],
  [['plan', '-c', 'pinsync.yaml', '--config', 'pinsync.yaml'], TWICE],
  [['plan', '--log-level', 'error', '--log-level', 'warn', '-c', 'pinsync.yaml'], TWICE],
  // --limit's own check sees the list first
  [['runs', '--limit', '5', '--limit', '6', '-c', 'pinsync.yaml'], /--limit/],
];

describe('a switch given a value, an option given none, or a one-value option given twice', () => {
  it.each(lines)('pinsync %j exits 2, says why, and reads, sends and stores nothing', async (args, message) => {
    const res = await cli(args);
    expect(res.stderr).toMatch(message);
    expect(res.stderr).toMatch(/Run pinsync[a-z ]* --help for usage/);
    expect(res.stdout).toBe('');
    expect(res.code).toBe(2);
    expect(fx.emulator.requests).toEqual([]);
    expect(existsSync(fx.statePath)).toBe(false);
  });

  it('a repeated --sync is still fine (it is a list)', async () => {
    const res = await cli(['plan', '--sync', 'people_sync', '--sync', 'people_sync', '-c', 'pinsync.yaml']);
    expect(res.code, res.stderr).toBe(0);
  });

  it('=true and =false still work as switches', async () => {
    const res = await cli(['sync', '--dry-run=true', '--force=false', '-c', 'pinsync.yaml']);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/PLAN/);
    expect(fx.emulator.requests.filter((r) => r.method !== 'GET')).toEqual([]);
  });
});

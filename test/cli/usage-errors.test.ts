/**
 * A mistyped command line must stop before anything runs: exit 2, the problem on stderr, no report, no request to
 * Pinterest, no state file. Every command is tried with an unknown option, a bad value and an empty `--sync`, against
 * a config that would really sync (people in the warehouse, a live emulator, tokens that work).
 */
import { existsSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../cli/pinsync.js';
import { DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET } from '../../emulators/pinterest/emulator-options.js';
import { makePeople, SyncFixture, TOKEN } from '../helpers/sync-fixture.js';

let fx: SyncFixture;

beforeAll(async () => {
  fx = await SyncFixture.create();
  await fx.setPeople(makePeople(1, 20));
  await fx.writeConfig({ auth: `{ accessToken: "\${PINTEREST_ACCESS_TOKEN}", clientId: ${DEFAULT_CLIENT_ID}, clientSecret: ${DEFAULT_CLIENT_SECRET} }` });
});

afterAll(async () => {
  await fx.close();
});

beforeEach(() => {
  fx.emulator.clearRequests();
});

/**
 * Runs the CLI in-process; a command that wrongly starts (the emulator runs until interrupted) is stopped after a
 * few seconds so the test fails instead of hanging.
 */
async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await main(args, {
    stdout,
    stderr,
    env: { PINTEREST_ACCESS_TOKEN: TOKEN, PINSYNC_LOG_LEVEL: 'warn' },
    cwd: fx.dir,
    signal: AbortSignal.timeout(5_000),
  });
  return { code, stdout: out, stderr: err };
}

const UNKNOWN = /Unknown argument/;
const EMPTY_SYNC = /--sync needs a sync name/;

// [command line, what stderr must say]. `-c` (relative to the fixture's folder) is added to those that take a config.
const withConfig: [string[], RegExp][] = [
  [['validate', '--bogus'], UNKNOWN],
  [['plan', '--json'], UNKNOWN],
  [['plan', '--format', 'xml'], /Invalid values:[\s\S]*format/],
  [['plan', '--log-level', 'loud'], /Invalid values:[\s\S]*log-level/],
  [['plan', '--sync'], EMPTY_SYNC],
  [['plan', '--sync', ''], EMPTY_SYNC],
  [['plan', '--sync', 'people_sync', '--sync', ' '], EMPTY_SYNC],
  [['sync', '--dryrun'], UNKNOWN],
  [['sync', '--format', 'xml'], /Invalid values:[\s\S]*format/],
  [['sync', '--log-level', 'loud'], /Invalid values:[\s\S]*log-level/],
  [['sync', '--sync'], EMPTY_SYNC],
  [['sync', '--sync', ''], EMPTY_SYNC],
  [['sync', 'people_sync'], UNKNOWN],
  [['runs', '--bogus'], UNKNOWN],
  [['runs', '--limit', 'abc'], /--limit must be a whole number of at least 1/],
  [['runs', '--limit', '-1'], /--limit must be a whole number of at least 1/],
  [['runs', '--sync'], EMPTY_SYNC],
  [['runs', '--sync', ''], EMPTY_SYNC],
  [['doctor', '--bogus'], UNKNOWN],
  [['doctor', '--sync'], EMPTY_SYNC],
  [['doctor', '--sync', ''], EMPTY_SYNC],
  [['auth', 'url', '--bogus'], UNKNOWN],
  [['auth', 'exchange', '--code', 'abc', '--bogus'], UNKNOWN],
  [['auth', 'exchange'], /Missing required argument: code/],
  [['auth', 'status', '--bogus'], UNKNOWN],
  [['auth', 'bogus'], UNKNOWN],
];

const withoutConfig: [string[], RegExp][] = [
  [[], /name a command/],
  [['bogus'], UNKNOWN],
  [['auth'], /name an auth command/],
  [['emulator', '--bogus', '--port', '0'], UNKNOWN],
  [['emulator', '-c', 'pinsync.yaml', '--port', '0'], UNKNOWN],
  [['emulator', '--port', 'abc'], /--port/],
];

describe('a usage error stops before anything runs', () => {
  it.each([...withConfig.map(([args, msg]): [string[], RegExp] => [[...args, '-c', 'pinsync.yaml'], msg]), ...withoutConfig])(
    'pinsync %j exits 2, says why, and reads, sends and stores nothing',
    async (args, message) => {
      const res = await cli(args);
      expect(res.stderr).toMatch(message);
      expect(res.stderr).toMatch(/Run pinsync[a-z ]* --help for usage/);
      expect(res.stdout).toBe('');
      expect(res.code).toBe(2);
      expect(fx.emulator.requests).toEqual([]);
      expect(existsSync(fx.statePath)).toBe(false);
    },
  );

  it.each([['runs'], ['plan'], ['sync'], ['doctor']])('pinsync %s --sync nope (not in the config) exits 2 and names the syncs there are', async (command) => {
    const res = await cli([command, '--sync', 'nope', '-c', 'pinsync.yaml']);
    expect(res.stderr).toMatch(/unknown sync "nope"; the config defines: people_sync/);
    expect(res.stdout).toBe('');
    expect(res.code).toBe(2);
    expect(fx.emulator.requests).toEqual([]);
    expect(existsSync(fx.statePath)).toBe(false);
  });

  it('the same command lines without the mistake do run (the fixture would have synced)', async () => {
    const res = await cli(['plan', '--sync', 'people_sync', '-c', 'pinsync.yaml']);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('people_sync');
  });
});

/**
 * Where the config comes from when a job runner, not a person, starts pinsync: `$PINSYNC_CONFIG` when there is no
 * `-c` (a container image sets it once), and `-c -` for a config piped on stdin (a Kubernetes Secret or a CI step
 * that renders it). Every command that takes `-c` honours both, and `-c -` with a terminal on stdin is a usage error
 * at once instead of a command waiting for input nobody will type.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.js';
import { expectedHashes, makePeople, SyncFixture, TOKEN } from '../helpers/sync-fixture.js';

let fx: SyncFixture;
let elsewhere: string;
const ENV = { PINTEREST_ACCESS_TOKEN: TOKEN, PINSYNC_LOG_LEVEL: 'warn' };

beforeAll(async () => {
  fx = await SyncFixture.create();
  await fx.setPeople(makePeople(1, 5));
  // Relative paths only (warehouse.duckdb, state.duckdb): where they resolve is what these tests watch.
  await fx.writeConfig();
  elsewhere = await mkdtemp(join(tmpdir(), 'pinsync-cwd-'));
});

afterAll(async () => {
  await fx.close();
  await rm(elsewhere, { recursive: true, force: true });
});

beforeEach(async () => {
  fx.emulator.clearRequests();
  await rm(fx.statePath, { force: true });
});

/** stdin as a pipe carrying `text`. */
function piped(text: string): Readable {
  return Readable.from([Buffer.from(text)]);
}

/** stdin as an interactive terminal: nothing ever arrives on it. */
function terminal(): PassThrough & { isTTY: boolean } {
  return Object.assign(new PassThrough(), { isTTY: true });
}

/** Fails the test instead of hanging it when a command waits on a terminal. */
async function within<T>(ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`still running after ${ms} ms (waiting for stdin?)`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

// Every command that takes -c, with what it needs besides the config.
const COMMANDS: string[][] = [['validate'], ['plan'], ['sync'], ['runs'], ['doctor'], ['auth', 'status', '--offline'], ['auth', 'url'], ['auth', 'exchange', '--code', 'abc']];

describe('PINSYNC_CONFIG names the config when -c is not given', () => {
  it('plan from another folder reads it, and resolves the paths in it against the config file’s folder', async () => {
    const res = await runCli(['plan', '--format', 'json'], { env: { ...ENV, PINSYNC_CONFIG: fx.configPath }, cwd: elsewhere });
    expect(res.code).toBe(0);
    // The warehouse (warehouse.duckdb, next to the config) was found and read.
    expect(JSON.parse(res.stdout).syncs[0]).toMatchObject({ sync: 'people_sync', diff: { adds: expectedHashes(makePeople(1, 5)).size } });
  });

  it('a relative PINSYNC_CONFIG resolves against the working directory', async () => {
    const res = await runCli(['sync', '--json'], { env: { ...ENV, PINSYNC_CONFIG: join(basename(fx.dir), 'pinsync.yaml') }, cwd: dirname(fx.dir) });
    expect(res.code).toBe(0);
    expect(JSON.parse(res.stdout).syncs[0].sent.adds).toBe(expectedHashes(makePeople(1, 5)).size);
    // The state file sits next to the config, not in the working directory.
    expect(existsSync(fx.statePath)).toBe(true);
    expect(existsSync(join(dirname(fx.dir), 'state.duckdb'))).toBe(false);
  });

  it('-c wins over PINSYNC_CONFIG', async () => {
    const res = await runCli(['validate', '-c', fx.configPath], { env: { ...ENV, PINSYNC_CONFIG: join(elsewhere, 'missing.yaml') }, cwd: elsewhere });
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('valid');
  });

  it.each(COMMANDS.map((c) => [c]))('pinsync %j without -c looks for the file PINSYNC_CONFIG names', async (args) => {
    const res = await runCli(args, { env: { ...ENV, PINSYNC_CONFIG: 'from-env.yaml' }, cwd: elsewhere });
    expect(res.code).toBe(2);
    expect(res.stdout + res.stderr).toContain(join(elsewhere, 'from-env.yaml'));
    expect(res.stdout + res.stderr).not.toContain('pinsync.yaml');
    expect(fx.emulator.requests).toEqual([]);
  });

  it('an empty PINSYNC_CONFIG (a variable set to nothing) means the default ./pinsync.yaml', async () => {
    const res = await runCli(['validate'], { env: { ...ENV, PINSYNC_CONFIG: '' }, cwd: fx.dir });
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('valid');
  });
});

describe('-c - reads the config from stdin', () => {
  it('sync -c - syncs, with the relative paths in the config resolved against the working directory', async () => {
    // Its own list name: the state of the earlier tests' lists is gone (beforeEach).
    const text = (await readFile(fx.configPath, 'utf8')).replace('Test people', 'Piped people');
    const res = await runCli(['sync', '--json', '-c', '-'], { env: ENV, cwd: fx.dir, stdin: piped(text) });
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(JSON.parse(res.stdout).syncs[0].sent.adds).toBe(expectedHashes(makePeople(1, 5)).size);
    expect(existsSync(fx.statePath)).toBe(true);

    // Piped again: the state in the working directory is found, so nothing is left to send.
    const again = await runCli(['plan', '--format', 'json', '-c', '-'], { env: ENV, cwd: fx.dir, stdin: piped(text) });
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout).syncs[0].diff).toMatchObject({ adds: 0, removes: 0, unchanged: expectedHashes(makePeople(1, 5)).size });
  });

  it('PINSYNC_CONFIG=- reads stdin too', async () => {
    const text = await readFile(fx.configPath, 'utf8');
    const res = await runCli(['validate'], { env: { ...ENV, PINSYNC_CONFIG: '-' }, cwd: fx.dir, stdin: piped(text) });
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/^stdin: valid/);
  });

  it('a config with problems on stdin is reported as coming from stdin, every problem listed', async () => {
    const res = await runCli(['validate', '-c', '-'], { env: ENV, cwd: elsewhere, stdin: piped('warehouses: {}\nsyncs: 3\n') });
    expect(res.code).toBe(2);
    expect(res.stdout).toMatch(/^stdin: \d+ problem/);
    expect(res.stdout).toContain('syncs');
  });

  it('empty stdin (nothing piped, e.g. /dev/null) is a config error, not an empty run', async () => {
    const res = await runCli(['plan', '-c', '-'], { env: ENV, cwd: elsewhere, stdin: piped('') });
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/stdin.*the config is empty/s);
  });

  it.each(COMMANDS.map((c) => [c]))('pinsync %j -c - with a terminal on stdin exits 2 at once and says to pipe the config', async (args) => {
    const res = await within(5_000, runCli([...args, '-c', '-'], { env: ENV, cwd: fx.dir, stdin: terminal() }));
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/-c - reads the config from stdin, but stdin is a terminal/);
    expect(res.stderr).toMatch(/pipe the config in \(pinsync \S+( \S+)? -c - < pinsync\.yaml\) or pass -c FILE/);
    expect(res.stdout).toBe('');
    expect(fx.emulator.requests).toEqual([]);
    expect(existsSync(fx.statePath)).toBe(false);
  });

  it('-c - with no stdin at all (an in-process caller that gave none) is the same usage error', async () => {
    const res = await runCli(['plan', '-c', '-'], { env: ENV, cwd: fx.dir });
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/stdin/);
  });
});


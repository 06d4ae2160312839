/**
 * The DuckDB warehouse file as users get it wrong or busy: a path that does not exist (never silently an empty
 * warehouse), a file another process holds open for writing (dbt-duckdb building it), and relative file paths inside
 * the query, which resolve against the config file's folder whatever the working directory. Each through both ways
 * pinsync reads DuckDB: ATTACHed in the state engine (pushdown) and streamed by the connector.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.js';
import { expectedHashes, makePeople, REPO_ROOT, SyncFixture, TOKEN } from '../helpers/sync-fixture.js';

const PATHS = [
  ['pushdown', {}],
  ['streamed', { PINSYNC_NO_PUSHDOWN: '1' }],
] as const;

let fx: SyncFixture;
beforeAll(async () => {
  fx = await SyncFixture.create();
});
afterAll(async () => {
  await fx.close();
});

describe('a DuckDB warehouse path that does not exist', () => {
  for (const [path, env] of PATHS) {
    it(`is an error naming the sync, the path and the fix, and creates no file (${path})`, async () => {
      const missing = join(fx.dir, 'no-such-warehouse.duckdb');
      await fx.writeConfig();
      await writeFile(fx.configPath, (await readFile(fx.configPath, 'utf8')).replace('path: warehouse.duckdb', 'path: no-such-warehouse.duckdb'));
      const res = await fx.syncJson(['plan'], env);
      expect(res.code).toBe(1);
      expect(res.report.error?.code).toBe('PINSYNC_WAREHOUSE_FILE_MISSING');
      const message = res.report.error!.message;
      expect(message).toContain('people_sync');
      expect(message).toContain(missing);
      expect(message).toMatch(/does not exist/);
      expect(message).toMatch(/path/);
      expect(existsSync(missing)).toBe(false);
      expect(existsSync(`${missing}.wal`)).toBe(false);
    });
  }
});

describe('a DuckDB warehouse file held open for writing by another process', () => {
  let holder: ChildProcess | undefined;
  let holderLog = '';
  afterEach(async () => {
    if (holder && holder.exitCode === null) {
      const exited = new Promise((resolve) => holder!.once('exit', resolve));
      holder.kill('SIGKILL');
      await exited;
    }
    holder = undefined;
  });

  // What dbt-duckdb does while it builds models: a read-write instance on the file, for as long as it runs.
  async function holdForWriting(file: string): Promise<ChildProcess> {
    const script = [
      "import { DuckDBInstance } from '@duckdb/node-api';",
      `const instance = await DuckDBInstance.create(${JSON.stringify(file)});`,
      'const conn = await instance.connect();',
      "await conn.run('CREATE TABLE IF NOT EXISTS busy (i INTEGER)');",
      "process.stdout.write('ready\\n');",
      // The interval must reference the instance: otherwise nothing does once the script's top level has run, the
      // garbage collector may finalize it, and DuckDB closes the file and drops its lock while the process lives on
      // (what made the streamed case flaky: a reader opened the file while the holder was "holding" it).
      'setInterval(() => void [instance, conn], 1000);',
    ].join('\n');
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    holderLog = '';
    child.stderr!.on('data', (d: Buffer) => (holderLog += d.toString()));
    child.on('exit', (code, signal) => (holderLog += `\n[the lock holder exited: code ${code}, signal ${signal}]`));
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
      child.on('exit', (code) => reject(new Error(`the lock holder exited early (${code}): ${holderLog}`)));
    });
    holder = child;
    await expectLockedForReaders(file);
    return child;
  }

  // Proof, from a third process, that the holder's write lock is in effect: a read-only open must be refused.
  // Without it, a plan that succeeded could not tell a pinsync bug from a holder that never held the file.
  async function expectLockedForReaders(file: string): Promise<void> {
    const script = [
      "import { DuckDBInstance } from '@duckdb/node-api';",
      'try {',
      `  (await DuckDBInstance.create(${JSON.stringify(file)}, { access_mode: 'READ_ONLY' })).closeSync();`,
      "  process.stdout.write('opened');",
      "} catch (err) { process.stdout.write('refused: ' + err.message); }",
    ].join('\n');
    const probe = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    probe.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    await new Promise((resolve) => probe.once('exit', resolve));
    expect(out, 'a read-only open while the holder runs').toMatch(/^refused: .*lock/i);
  }

  for (const [path, env] of PATHS) {
    it(`says the warehouse is in use by another process (its pid) and to run after it finishes (${path})`, async () => {
      await fx.setPeople(makePeople(1, 10));
      await fx.writeConfig();
      holder = await holdForWriting(fx.warehousePath);
      const res = await fx.syncJson(['plan'], env);
      const diagnosis = `holder alive: ${holder.exitCode === null}; holder stderr: ${holderLog}; pinsync stderr: ${res.stderr}`;
      expect(res.code, diagnosis).toBe(1);
      expect(res.report.error?.code, diagnosis).toBe('PINSYNC_WAREHOUSE_LOCKED');
      const message = res.report.error!.message;
      expect(message).toContain('people_sync');
      expect(message).toContain(fx.warehousePath);
      expect(message).toContain(`PID ${holder.pid}`);
      expect(message).toMatch(/dbt/);
      expect(message).toMatch(/after it finishes/);
      expect(message).not.toMatch(/at .*\.js:\d+/);
    });
  }
});

describe('relative paths inside the query', () => {
  let elsewhere: string;
  beforeAll(async () => {
    elsewhere = await mkdtemp(join(tmpdir(), 'pinsync-elsewhere-'));
  });
  afterAll(async () => {
    await rm(elsewhere, { recursive: true, force: true });
  });

  for (const [path, env] of PATHS) {
    it(`resolve against the config file's folder, not the working directory (${path})`, async () => {
      const people = makePeople(1, 30);
      await writeFile(join(fx.dir, 'people.csv'), ['email', ...people.map((p) => p.email)].join('\n'));
      await fx.writeConfig({ query: "select email from read_csv('people.csv')", identifiers: '{ email: email }' });
      // cron starts in another folder: the config is named by an absolute path.
      const res = await runCli(['plan', '--format', 'json', '-c', fx.configPath], {
        env: { PINTEREST_ACCESS_TOKEN: TOKEN, PINSYNC_LOG_LEVEL: 'warn', ...env },
        cwd: elsewhere,
      });
      expect(res.stderr).not.toMatch(/No files found/);
      expect(res.code).toBe(0);
      const report = (JSON.parse(res.stdout) as { syncs: { diff: { current: number } }[] }).syncs[0]!;
      expect(report.diff.current).toBe(expectedHashes(people.map((p) => ({ email: p.email }))).size);
    });
  }
});

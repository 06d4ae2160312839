/**
 * Each command loads only what it needs: start-up is most of a small command's time, and a DuckDB user must never
 * load the BigQuery or Snowflake SDKs (nor their start-up side effects). Runs the real CLI in a child process with a
 * module hook that records every module it resolves, then checks which were never loaded.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDuckDb } from '../../connectors/duckdb/open-duckdb.js';
import { buildSampleWarehouse, sampleSyncConfig } from '../../demo/sample-warehouse.js';
import { REPO_ROOT, TSX_LOADER } from '../helpers/sync-fixture.js';

// Records the URL of every module resolved, one a line, in the file PINSYNC_TEST_MODULE_LOG names (hooks run on a
// thread of their own, so they append to a file rather than share memory with the test).
const HOOKS = `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  appendFileSync(process.env.PINSYNC_TEST_MODULE_LOG, result.url + '\\n');
  return result;
}
`;
const REGISTER = `import { register } from 'node:module';
register('./module-log-hooks.mjs', import.meta.url);
`;

/** Packages or folders, as they appear in a resolved URL, with the reason they must stay unloaded. */
const EMULATOR = '/emulators/';
const SNOWFLAKE = '/node_modules/snowflake-sdk/';
const BIGQUERY = '/node_modules/@google-cloud/';
const POSTGRES = '/node_modules/pg/';
const KYSELY = '/node_modules/kysely/';
const DUCKDB = '/node_modules/@duckdb/';
const UNDICI = '/node_modules/undici/';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pinsync-loading-'));
  await writeFile(join(dir, 'module-log-hooks.mjs'), HOOKS);
  await writeFile(join(dir, 'register-module-log.mjs'), REGISTER);
  // Port 9 (discard) on loopback: nothing in these commands talks to Pinterest.
  await writeFile(join(dir, 'pinsync.yaml'), sampleSyncConfig({ apiBaseUrl: 'http://127.0.0.1:9/v5', syncName: 'loading', audienceName: 'Loading' }));
  const instance = await openDuckDb(join(dir, 'warehouse.duckdb'));
  const conn = await instance.connect();
  await buildSampleWarehouse(conn, 20);
  conn.closeSync();
  instance.closeSync();
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs `pinsync <args>` as a child; resolves with its exit code, stdout and the modules it loaded. */
async function modulesOf(name: string, args: string[]): Promise<{ code: number | null; stdout: string; modules: string[] }> {
  const log = join(dir, `${name}.modules`);
  await writeFile(log, '');
  const child = spawn(
    process.execPath,
    ['--import', TSX_LOADER, '--import', pathToFileURL(join(dir, 'register-module-log.mjs')).href, join(REPO_ROOT, 'cli/pinsync.ts'), ...args],
    { cwd: dir, env: { ...process.env, PINSYNC_TEST_MODULE_LOG: log, PINSYNC_LOG_LEVEL: 'silent' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error(`pinsync ${args.join(' ')} exited ${code}: ${stderr}`);
  const modules = (await readFile(log, 'utf8')).split('\n').filter(Boolean);
  return { code, stdout, modules };
}

const loadedAny = (modules: string[], part: string) => modules.some((url) => url.includes(part));

describe('commands load only what they need', () => {
  it('validate loads no state engine, SDK, HTTP client or emulator', async () => {
    const { modules } = await modulesOf('validate', ['validate']);
    expect(loadedAny(modules, '/cli/commands/validate-command.')).toBe(true);
    for (const part of [EMULATOR, KYSELY, DUCKDB, UNDICI, SNOWFLAKE, BIGQUERY, POSTGRES]) expect(loadedAny(modules, part), part).toBe(false);
  }, 30_000);

  it('plan over a DuckDB warehouse and state loads DuckDB and no other engine, nor the emulator', async () => {
    const { stdout, modules } = await modulesOf('plan', ['plan', '--format', 'json']);
    expect(JSON.parse(stdout).syncs[0].diff.adds).toBeGreaterThan(0);
    expect(loadedAny(modules, DUCKDB)).toBe(true);
    for (const part of [EMULATOR, SNOWFLAKE, BIGQUERY, POSTGRES]) expect(loadedAny(modules, part), part).toBe(false);
  }, 30_000);

  it('--help still lists every command', async () => {
    const { stdout } = await modulesOf('help', ['--help']);
    for (const command of ['validate', 'plan', 'sync', 'runs', 'doctor', 'emulator', 'auth', 'state']) expect(stdout).toContain(`pinsync ${command}`);
  }, 30_000);
});

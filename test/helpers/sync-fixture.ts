/**
 * End-to-end fixture: a temp folder with a DuckDB warehouse file, a config pointing at a real emulator over HTTP,
 * and helpers to run the CLI in-process or as a child process (for kill -9 tests).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { DuckDBConnection, DuckDBValue } from '@duckdb/node-api';
import { afterEach, beforeEach } from 'vitest';
import { normalizeIdentifier } from '../../core/normalize/normalize-identifier.js';
import type { IdentifierType } from '../../core/identifier-types.js';
import type { SyncReport } from '../../core/sync-report.js';
import { openDuckDb } from '../../connectors/duckdb/open-duckdb.js';
import { type CliResult, runCli } from './run-cli.js';
import { startEmulator } from '../../emulators/pinterest/emulator-server.js';
import { assertSpecCompliant } from '../contract/assert-spec-compliant.js';
import type { EmulatorOptions } from '../../emulators/pinterest/emulator-options.js';
import { DuckDbStateStore } from '../../connectors/state/duckdb/duckdb-state-store.js';

export const REPO_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const TOKEN = 'pinsync-emulator-token';
// Child processes run in temp folders, where a bare `--import tsx` would not resolve.
export const TSX_LOADER = pathToFileURL(join(REPO_ROOT, 'node_modules/tsx/dist/loader.mjs')).href;
export const AD_ACCOUNT = '549755885175';

export type Emulator = Awaited<ReturnType<typeof startEmulator>>;

export interface Person {
  email?: string | null;
  gaid?: string | null;
  idfa?: string | null;
}

export interface SyncOverrides {
  /** Replaces the sync's query. */
  query?: string;
  /** Extra YAML lines under the sync (indented by the fixture). */
  syncExtra?: string[];
  /** Pinterest batch.maxRecords. */
  maxRecords?: number;
  /** The destination's maxInFlight (default: pinsync's). */
  maxInFlight?: number;
  /** Replaces the identifiers mapping. */
  identifiers?: string;
  /** Leave out the default `audience:` line (syncExtra brings its own). */
  replaceAudience?: boolean;
  /** Replaces the destination's `auth:` mapping (YAML flow mapping). */
  auth?: string;
}

export class SyncFixture {
  private constructor(
    /** Temp folder holding config, warehouse and state. */
    readonly dir: string,
    /** The emulator the config points at. */
    readonly emulator: Emulator,
  ) {}

  static async create(options: Omit<EmulatorOptions, 'port'> = {}): Promise<SyncFixture> {
    const dir = await mkdtemp(join(tmpdir(), 'pinsync-test-'));
    const emulator = await startEmulator({ port: 0, ...options });
    return new SyncFixture(dir, emulator);
  }

  get configPath(): string {
    return join(this.dir, 'pinsync.yaml');
  }

  get statePath(): string {
    return join(this.dir, 'state.duckdb');
  }

  get warehousePath(): string {
    return join(this.dir, 'warehouse.duckdb');
  }

  /** Replaces the warehouse's `people` table with these rows. */
  async setPeople(people: Person[]): Promise<void> {
    await this.withWarehouse(async (conn) => {
      await conn.run('CREATE OR REPLACE TABLE people (email VARCHAR, gaid VARCHAR, idfa VARCHAR)');
      const appender = await conn.createAppender('people');
      for (const p of people) {
        for (const v of [p.email, p.gaid, p.idfa]) {
          if (v === undefined || v === null) appender.appendNull();
          else appender.appendVarchar(v);
        }
        appender.endRow();
      }
      appender.closeSync();
    });
  }

  async withWarehouse<T>(fn: (conn: DuckDBConnection) => Promise<T>): Promise<T> {
    const instance = await openDuckDb(this.warehousePath);
    const conn = await instance.connect();
    try {
      return await fn(conn);
    } finally {
      conn.closeSync();
      instance.closeSync();
    }
  }

  async writeConfig(overrides: SyncOverrides = {}): Promise<void> {
    const lines = [
      'state: duckdb:state.duckdb',
      'warehouses:',
      '  local: { type: duckdb, path: warehouse.duckdb }',
      'destinations:',
      '  pinterest:',
      '    type: pinterest',
      `    adAccountId: "${AD_ACCOUNT}"`,
      `    apiBaseUrl: ${this.emulator.baseUrl}`,
      `    auth: ${overrides.auth ?? '{ accessToken: "${PINTEREST_ACCESS_TOKEN}" }'}`,
      `    batch: { maxRecords: ${overrides.maxRecords ?? 10_000} }`,
      ...(overrides.maxInFlight === undefined ? [] : [`    maxInFlight: ${overrides.maxInFlight}`]),
      '    retry: { baseDelayMs: 10, maxDelayMs: 50 }',
      // pacing is tested on its own (test/pacing); here it would only make the push tests slow
      '    rateLimits: { adsWritePerMinute: 60000, adsReadPerMinute: 60000 }',
      'syncs:',
      '  - name: people_sync',
      '    warehouse: local',
      `    query: ${JSON.stringify(overrides.query ?? 'select email, gaid, idfa from people')}`,
      `    identifiers: ${overrides.identifiers ?? '{ email: email, gaid: maid, idfa: idfa }'}`,
      ...(overrides.replaceAudience ? [] : ['    audience: { name: Test people }']),
      ...(overrides.syncExtra ?? []).map((l) => `    ${l}`),
      '',
    ];
    await writeFile(this.configPath, lines.join('\n'));
  }

  /** Runs the CLI in this process. */
  cli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
    return runCli([...args, '-c', this.configPath], { env: { PINTEREST_ACCESS_TOKEN: TOKEN, PINSYNC_LOG_LEVEL: 'warn', ...env }, cwd: this.dir });
  }

  /** `sync --json` (or `plan --format json`) and the parsed report of the single sync. */
  async syncJson(args: string[] = [], env: Record<string, string> = {}): Promise<{ code: number; report: SyncReport; stderr: string }> {
    const command = args[0] === 'plan' ? ['plan', '--format', 'json', ...args.slice(1)] : ['sync', '--json', ...args];
    const res = await this.cli(command, env);
    let parsed: { syncs: SyncReport[] };
    try {
      parsed = JSON.parse(res.stdout) as { syncs: SyncReport[] };
    } catch {
      throw new Error(`pinsync ${command.join(' ')} printed no JSON (exit ${res.code}).\nstdout: ${res.stdout}\nstderr: ${res.stderr}`);
    }
    return { code: res.code, report: parsed.syncs[0]!, stderr: res.stderr };
  }

  /** Spawns the CLI as a child process (tsx), for tests that kill it. */
  spawnCli(args: string[], env: Record<string, string> = {}): ChildProcess {
    return spawn(process.execPath, ['--import', TSX_LOADER, join(REPO_ROOT, 'cli/pinsync.ts'), ...args, '-c', this.configPath], {
      cwd: this.dir,
      env: { ...process.env, PINTEREST_ACCESS_TOKEN: TOKEN, PINSYNC_LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  }

  /** The single list the emulator holds (tests create one sync). */
  listId(): string {
    const lists = this.emulator.lists();
    if (lists.length !== 1) throw new Error(`expected exactly one customer list, the emulator has ${lists.length}`);
    return lists[0]!.id;
  }

  membership(): Set<string> {
    return new Set(this.emulator.membership(this.listId()));
  }

  /** The acknowledged membership stored in the state file, as hex hashes. */
  async storedMembership(): Promise<Set<string>> {
    const store = await DuckDbStateStore.open(this.statePath);
    try {
      const session = await store.openDiff('people_sync');
      // An empty source diffs everything into removes: the removes are exactly the stored membership.
      const counts = await session.computeDiff({ fullResync: false });
      const hashes = await session.readRange('REMOVE', 0, counts.removes);
      await session.dispose();
      return new Set(hashes);
    } finally {
      await store.close();
    }
  }

  /** Calls the emulator over HTTP as another Pinterest client would (someone else's tool, the Ads UI). */
  async api<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.emulator.baseUrl}/ad_accounts/${AD_ACCOUNT}${path}`, {
      method,
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = (await res.json()) as T;
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  }

  /** Creates a list outside pinsync; returns its id. */
  async seedList(name: string, records: string[]): Promise<string> {
    return (await this.api<{ id: string }>('POST', '/customer_lists', { name, records: records.join(','), list_type: 'EMAIL' })).id;
  }

  /** Creates a CUSTOMER_LIST audience outside pinsync; returns its id. */
  async seedAudience(name: string, customerListId: string): Promise<string> {
    return (await this.api<{ id: string }>('POST', '/audiences', { name, audience_type: 'CUSTOMER_LIST', rule: { customer_list_id: customerListId } })).id;
  }

  /**
   * Every request pinsync sent and every answer the emulator gave during the test must match the official OpenAPI
   * description of Pinterest API v5, so the end-to-end tests double as contract tests of the client.
   */
  async close(): Promise<void> {
    try {
      assertSpecCompliant(this.emulator, { allowDroppedExchanges: true });
    } finally {
      await this.emulator.close();
      await rm(this.dir, { recursive: true, force: true });
    }
  }
}

/**
 * One fixture per test: a fresh `SyncFixture.create(options)` before each test; after it, the emulator's faults are
 * cleared and the fixture closed. Call at the top of a test file; the returned getter gives the current test's fixture.
 */
export function useSyncFixture(options: Omit<EmulatorOptions, 'port'> = {}): () => SyncFixture {
  let fx: SyncFixture | undefined;
  beforeEach(async () => {
    fx = await SyncFixture.create(options);
  });
  afterEach(async () => {
    fx!.emulator.faults.clear();
    await fx!.close();
  });
  return () => {
    if (!fx) throw new Error('useSyncFixture: no fixture outside a test');
    return fx;
  };
}

/** What pinsync should send for these people, computed with the TypeScript rules. */
export function expectedHashes(people: Person[]): Set<string> {
  const out = new Set<string>();
  const cols: [keyof Person, IdentifierType][] = [
    ['email', 'email'],
    ['gaid', 'maid'],
    ['idfa', 'idfa'],
  ];
  for (const p of people) {
    for (const [key, type] of cols) {
      const o = normalizeIdentifier(type, p[key] ?? null);
      if (o.status === 'ok') out.add(o.hash);
    }
  }
  return out;
}

/** Deterministic people: `email{i}@example.com`, with a GAID for every third and an IDFA for every fifth. */
export function makePeople(from: number, count: number, domain = 'example.com'): Person[] {
  const people: Person[] = [];
  for (let i = from; i < from + count; i++) {
    const hex = i.toString(16).padStart(12, '0');
    people.push({
      email: `Person${i}@${domain}`,
      gaid: i % 3 === 0 ? `38400000-8cf0-11bd-b23e-${hex}` : null,
      idfa: i % 5 === 0 ? `E621E1F8-C36C-495A-93FC-${hex.toUpperCase()}` : null,
    });
  }
  return people;
}

export function values(conn: DuckDBConnection, sql: string): Promise<DuckDBValue[][]> {
  return conn.runAndReadAll(sql).then((r) => r.getRows());
}

/**
 * `diff: warehouse` end to end on the run's PostgreSQL server: a source table and a planner schema of their own
 * per test (names suffixed, so test files running in parallel never meet), a DuckDB state file and the emulator
 * over real HTTP (test/helpers/sync-fixture.ts).
 */
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { afterEach, beforeEach } from 'vitest';
import { pinterestDestinationLines } from '../../helpers/postgres-sync.js';
import { type Person, SyncFixture } from '../../helpers/sync-fixture.js';
import { pgAdmin, pgTestUrl } from '../postgres-target.js';

/** One test's names and helpers. */
export interface PlannerFixture {
  /** The emulator, config and CLI runners. */
  fx: SyncFixture;
  /** The planner schema (unquoted). */
  planner: string;
  /** The source table, schema-qualified. */
  table: string;
  /** Replaces the source table's rows. */
  setPeople(people: Person[]): Promise<void>;
  /** Writes the config: `url` defaults to the test server's; extra lines go under the sync. */
  writeConfig(opts?: { url?: string; state?: string; query?: string; audienceName?: string; maxRecords?: number; maxInFlight?: number; syncExtra?: string[]; diff?: string }): Promise<void>;
  /** The warehouse membership of `people_sync`, as hex hashes. */
  membership(): Promise<Set<string>>;
  /** Tables in the planner schema. */
  plannerTables(): Promise<string[]>;
}

/** Registers before/after hooks; the getter gives the current test's fixture. */
export function usePlannerFixture(): () => PlannerFixture {
  let current: PlannerFixture | undefined;
  let cleanup: (() => Promise<void>) | undefined;
  beforeEach(async () => {
    const suffix = randomBytes(4).toString('hex');
    const fx = await SyncFixture.create();
    const source = `src_${suffix}`;
    const planner = `planner_${suffix}`;
    const table = `${source}.people`;
    const admin = await pgAdmin();
    await admin.query(`CREATE SCHEMA ${source}; CREATE TABLE ${table} (email text, gaid text, idfa text)`);
    current = {
      fx,
      planner,
      table,
      async setPeople(people) {
        await admin.query(`TRUNCATE ${table}`);
        await admin.query(`INSERT INTO ${table} SELECT * FROM unnest($1::text[], $2::text[], $3::text[])`, [
          people.map((p) => p.email ?? null),
          people.map((p) => p.gaid ?? null),
          people.map((p) => p.idfa ?? null),
        ]);
      },
      async writeConfig(opts = {}) {
        const lines = [
          `state: ${opts.state ?? 'duckdb:state.duckdb'}`,
          'warehouses:',
          `  pg: { type: postgres, url: "${opts.url ?? pgTestUrl()}", planner: { schema: ${planner} } }`,
          ...pinterestDestinationLines(fx),
          `    batch: { maxRecords: ${opts.maxRecords ?? 10_000} }`,
          ...(opts.maxInFlight === undefined ? [] : [`    maxInFlight: ${opts.maxInFlight}`]),
          '    retry: { baseDelayMs: 10, maxDelayMs: 50 }',
          '    rateLimits: { adsWritePerMinute: 60000, adsReadPerMinute: 60000 }',
          'syncs:',
          '  - name: people_sync',
          '    warehouse: pg',
          `    query: ${opts.query ?? `select email, gaid, idfa from ${table}`}`,
          '    identifiers: { email: email, gaid: maid, idfa: idfa }',
          `    audience: { name: ${opts.audienceName ?? 'Planner people'} }`,
          `    diff: ${opts.diff ?? 'warehouse'}`,
          ...(opts.syncExtra ?? []).map((l) => `    ${l}`),
          '',
        ];
        await writeFile(fx.configPath, lines.join('\n'));
      },
      async membership() {
        const exists = await admin.query<{ ok: boolean }>('SELECT to_regclass($1) IS NOT NULL AS ok', [`${planner}.membership`]);
        if (!exists.rows[0]!.ok) return new Set();
        const { rows } = await admin.query<{ h: string }>(`SELECT encode(h, 'hex') AS h FROM ${planner}.membership WHERE sync_name = 'people_sync'`);
        return new Set(rows.map((r) => r.h));
      },
      async plannerTables() {
        const { rows } = await admin.query<{ t: string }>('SELECT tablename AS t FROM pg_tables WHERE schemaname = $1 ORDER BY 1', [planner]);
        return rows.map((r) => r.t);
      },
    };
    cleanup = async () => {
      await admin.query(`DROP SCHEMA IF EXISTS ${source} CASCADE; DROP SCHEMA IF EXISTS ${planner} CASCADE`);
      await admin.end();
    };
  });
  afterEach(async () => {
    current?.fx.emulator.faults.clear();
    await current?.fx.close();
    await cleanup?.();
    current = undefined;
  });
  return () => {
    if (!current) throw new Error('usePlannerFixture: no fixture outside a test');
    return current;
  };
}

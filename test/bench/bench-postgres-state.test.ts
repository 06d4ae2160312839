/**
 * The bench's Postgres side (bench/bench-postgres-state.ts) against the run's test server: what it measures for a
 * phase, the schema it owns and the one it refuses, and where a password goes.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { openBenchPostgres, type BenchPostgres } from '../../bench/bench-postgres-state.js';
import { PG_PASSWORD, PG_PASSWORD_USER } from '../setup/postgres-server.js';
import { pgAdmin, pgTestUrl } from '../warehouses/postgres-target.js';

describe('bench on Postgres state', () => {
  const opened: BenchPostgres[] = [];
  const schema = `bench_${randomBytes(4).toString('hex')}`;
  // Unique, so the wait after a phase never waits for another test file's connections.
  const application = `pinsync-bench-test-${schema}`;

  afterEach(async () => {
    for (const b of opened.splice(0)) await b.close();
  });

  async function schemaExists(name: string): Promise<boolean> {
    const admin = await pgAdmin();
    try {
      return (await admin.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [name])).rowCount === 1;
    } finally {
      await admin.end();
    }
  }

  it("measures the server's statement time and CPU for a phase, and drops the schema it was given at close", async () => {
    const bench = await openBenchPostgres(`${pgTestUrl()}?schema=${schema}`, { applications: application });
    opened.push(bench);
    expect(bench.stateUrl).toContain(`schema=${schema}`);
    expect(bench.settings).toMatch(/server_version=\d+/);
    const { result, pg: stats } = await bench.measure(async () => {
      // As pinsync would: its own connection creates the schema, works, and closes before the phase ends.
      const client = new pg.Client({ connectionString: pgTestUrl(), application_name: application });
      await client.connect();
      await client.query(`CREATE SCHEMA ${schema}`);
      const { rows } = await client.query<{ n: string }>('SELECT count(*) AS n FROM generate_series(1, 2000000) g WHERE g % 7 = 0');
      await client.end();
      return Number(rows[0]!.n);
    });
    expect(result).toBe(285_714);
    expect(stats.activeMs).toBeGreaterThan(0);
    // The test server is a process on this machine, so its CPU is read from /proc.
    expect(stats.cpuMs).toBeGreaterThan(0);
    expect(stats.commits).toBeGreaterThanOrEqual(2);
    await opened.pop()!.close();
    expect(await schemaExists(schema)).toBe(false);
  });

  it('refuses a schema that already exists and leaves it alone', async () => {
    const admin = await pgAdmin();
    await admin.query(`CREATE SCHEMA ${schema}`);
    try {
      await expect(openBenchPostgres(`${pgTestUrl()}?schema=${schema}`)).rejects.toThrow(`schema ${schema} already exists`);
      expect(await schemaExists(schema)).toBe(true);
    } finally {
      await admin.query(`DROP SCHEMA ${schema} CASCADE`);
      await admin.end();
    }
  });

  it("keeps the URL's password out of the state URL it writes into the config, and hands it over in PINSYNC_STATE_PASSWORD", async () => {
    const url = new URL(pgTestUrl());
    url.username = PG_PASSWORD_USER;
    url.password = PG_PASSWORD;
    url.searchParams.set('schema', schema);
    const bench = await openBenchPostgres(url.href, { applications: application });
    opened.push(bench);
    expect(bench.stateUrl).not.toContain(encodeURIComponent(PG_PASSWORD));
    expect(bench.stateUrl).toContain(`${PG_PASSWORD_USER}@`);
    expect(bench.display).not.toContain(encodeURIComponent(PG_PASSWORD));
    expect(bench.env).toEqual({ PINSYNC_STATE_PASSWORD: PG_PASSWORD });
  });

  it('says what to pass when --state is neither duckdb, postgres nor a URL', async () => {
    await expect(openBenchPostgres('mysql://localhost/x')).rejects.toThrow('expected duckdb, postgres');
  });
});

/**
 * An end-to-end set-up for the dbt tests: the SyncFixture's temp folder and emulator, a DuckDB warehouse file named
 * as the dbt project's database (so the manifest's relations are real relations in it), the artifacts of one of the
 * real dbt fixtures (or a variant) in `analytics/target/`, and a config with `dbt:` and model syncs.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { openDuckDb } from '../../connectors/duckdb/open-duckdb.js';
import type { SyncReport } from '../../core/sync-report.js';
import { AD_ACCOUNT, type SyncFixture } from '../helpers/sync-fixture.js';
import type { SkippedSync } from '../../core/dbt/prepare-dbt-syncs.js';
import { type Json, writeFixture } from './dbt-fixtures.js';

/** The dbt project folder inside the fixture's folder. */
export const PROJECT_DIR = 'analytics';

/** `count` distinct emails `person{i}@{domain}`: what a model's `email` column holds. */
export interface Emails {
  /** How many rows. */
  count: number;
  /** Their domain. */
  domain: string;
}

export function emails(count: number, domain = 'example.com'): Emails {
  return { count, domain };
}

/** Creates `file` (a DuckDB database) with `tables`: qualified name → its rows (transaction_id, email). */
export async function writeWarehouse(fx: SyncFixture, file: string, tables: Record<string, Emails>): Promise<void> {
  const instance = await openDuckDb(join(fx.dir, file));
  const conn = await instance.connect();
  try {
    for (const [name, values] of Object.entries(tables)) {
      const [schema] = name.split('.');
      await conn.run(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
      await conn.run(`CREATE OR REPLACE TABLE ${name} (transaction_id INTEGER, email VARCHAR)`);
      await conn.run(`INSERT INTO ${name} SELECT i, 'person' || i || '@${values.domain}' FROM range(${values.count}) t(i)`);
    }
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

/** Writes the fixture's artifacts (changed by `derive`) into the project's target folder. */
export function writeArtifacts(fx: SyncFixture, name: string, derive?: (a: { manifest: Json; runResults: Json }) => void): Promise<void> {
  return writeFixture(join(fx.dir, PROJECT_DIR, 'target'), name, derive);
}

/** One sync of the config: YAML flow-mapping body without braces, e.g. `name: a, model: m, identifiers: {email: email}`. */
export async function writeDbtConfig(fx: SyncFixture, opts: { warehouse: string; syncs: string[]; dbtExtra?: string }): Promise<void> {
  const lines = [
    'state: duckdb:state.duckdb',
    'warehouses:',
    `  wh: { type: duckdb, path: ${opts.warehouse} }`,
    'destinations:',
    '  pinterest:',
    '    type: pinterest',
    `    adAccountId: "${AD_ACCOUNT}"`,
    `    apiBaseUrl: ${fx.emulator.baseUrl}`,
    '    auth: { accessToken: "${PINTEREST_ACCESS_TOKEN}" }',
    '    retry: { baseDelayMs: 10, maxDelayMs: 50 }',
    '    rateLimits: { adsWritePerMinute: 60000, adsReadPerMinute: 60000 }',
    `dbt: { projectDir: ${PROJECT_DIR}${opts.dbtExtra ? `, ${opts.dbtExtra}` : ''} }`,
    'syncs:',
    ...opts.syncs.map((s, i) => `  - { warehouse: wh, audience: { name: "Audience ${i}" }, ${s} }`),
    '',
  ];
  await writeFile(fx.configPath, lines.join('\n'));
}

/** The parsed `--json` / `--format json` document. */
export interface ReportJson {
  /** Reports of the syncs that ran or were stopped. */
  syncs: SyncReport[];
  /** Syncs left out, with why. */
  skipped: SkippedSync[];
  /** Worst exit code. */
  exitCode: number;
}

/** Runs the CLI and parses its JSON report. */
export async function cliJson(fx: SyncFixture, args: string[], env: Record<string, string> = {}): Promise<{ code: number; doc: ReportJson; stderr: string }> {
  const res = await fx.cli(args, env);
  try {
    return { code: res.code, doc: JSON.parse(res.stdout) as ReportJson, stderr: res.stderr };
  } catch {
    throw new Error(`pinsync ${args.join(' ')} printed no JSON (exit ${res.code}).\nstdout: ${res.stdout}\nstderr: ${res.stderr}`);
  }
}

/** The report of one sync in a document. */
export function reportOf(doc: ReportJson, sync: string): SyncReport {
  const report = doc.syncs.find((r) => r.sync === sync);
  if (!report) throw new Error(`no report for ${sync} in ${JSON.stringify(doc.syncs.map((r) => r.sync))}`);
  return report;
}

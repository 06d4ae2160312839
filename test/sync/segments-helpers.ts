/**
 * Shared by the segments-*.test.ts files: a `customer_segments(email, segment)` table in the fixture's DuckDB
 * warehouse, a segment sync config over it, and the per-list view of the emulator.
 */
import type { SyncReport } from '../../core/sync-report.js';
import { expectedHashes, type SyncFixture } from '../helpers/sync-fixture.js';

/** One row of the segment table. */
export interface SegmentRow {
  /** Raw email. */
  email: string;
  /** Segment value; null for a row without one. */
  segment: string | null;
}

/** `count` people `seg{i}@example.com` spread over `segments` segments `seg_00`.. by i % segments. */
export function spread(count: number, segments: number, from = 0): SegmentRow[] {
  const rows: SegmentRow[] = [];
  for (let i = from; i < from + count; i++) rows.push({ email: `Seg${i}@example.com`, segment: segmentName(i % segments) });
  return rows;
}

/** `seg_07`. */
export function segmentName(n: number): string {
  return `seg_${String(n).padStart(2, '0')}`;
}

/** Replaces the warehouse's `customer_segments` table. */
export async function setSegments(fx: SyncFixture, rows: readonly SegmentRow[]): Promise<void> {
  await fx.withWarehouse(async (conn) => {
    await conn.run('CREATE OR REPLACE TABLE customer_segments (email VARCHAR, segment VARCHAR)');
    const appender = await conn.createAppender('customer_segments');
    for (const row of rows) {
      appender.appendVarchar(row.email);
      if (row.segment === null) appender.appendNull();
      else appender.appendVarchar(row.segment);
      appender.endRow();
    }
    appender.closeSync();
  });
}

/** The fixture's sync (`people_sync`) as a segment sync over `customer_segments`. */
export async function writeSegmentConfig(fx: SyncFixture, segments: string, extra: string[] = [], maxRecords = 10_000, maxInFlight?: number): Promise<void> {
  await fx.writeConfig({
    query: 'select email, segment from customer_segments',
    identifiers: '{ email: email }',
    replaceAudience: true,
    maxRecords,
    ...(maxInFlight !== undefined && { maxInFlight }),
    syncExtra: [`segments: ${segments}`, ...extra],
  });
}

/** Expected hashes per segment value. */
export function expectedBySegment(rows: readonly SegmentRow[]): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const row of rows) {
    if (row.segment === null) continue;
    const hashes = out.get(row.segment) ?? new Set<string>();
    for (const h of expectedHashes([{ email: row.email }])) hashes.add(h);
    out.set(row.segment, hashes);
  }
  return out;
}

/** The emulator's lists by name, with their members. */
export function listsByName(fx: SyncFixture): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const list of fx.emulator.lists()) {
    if (out.has(list.name)) throw new Error(`two lists named ${list.name}`);
    out.set(list.name, new Set(fx.emulator.membership(list.id)));
  }
  return out;
}

/** Runs `sync --json` (or `plan --format json` when args[0] is plan) and returns every report. */
export async function runAll(fx: SyncFixture, args: string[] = []): Promise<{ code: number; reports: SyncReport[]; stderr: string }> {
  const command = args[0] === 'plan' ? ['plan', '--format', 'json', ...args.slice(1)] : ['sync', '--json', ...args];
  const res = await fx.cli(command);
  try {
    return { code: res.code, reports: (JSON.parse(res.stdout) as { syncs: SyncReport[] }).syncs, stderr: res.stderr };
  } catch {
    throw new Error(`pinsync ${command.join(' ')} printed no JSON (exit ${res.code}).\nstdout: ${res.stdout}\nstderr: ${res.stderr}`);
  }
}

/** List writes (creates and PATCHes) the emulator answered with 200. */
export function listWrites(fx: SyncFixture): number {
  return fx.emulator.requests.filter((r) => r.path.includes('/customer_lists') && (r.method === 'PATCH' || r.method === 'POST') && r.status === 200).length;
}

/**
 * The per-batch cost bench (bench/bench-ack-cost.ts) at a small size, on both state engines: it stages, freezes,
 * acknowledges and times through the same interfaces the sync engine uses, so a change to those interfaces that
 * breaks the bench shows up here rather than at the next `npm run bench`.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { benchAckCost, describeAckCost, type AckCostResult } from '../../bench/bench-ack-cost.js';
import { pgAdmin, pgTestUrl } from '../warehouses/postgres-target.js';

describe('bench: local cost per batch', () => {
  const dirs: string[] = [];
  afterEach(async () => {
    for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
  });

  function expectShape(r: AckCostResult): void {
    expect(r.times.map((t) => [t.kind, t.batches, t.storedAtStart])).toEqual([
      ['first-sync ADD', 2, 16_000],
      ['churn ADD', 2, 20_000],
      ['churn REMOVE', 2, 24_000],
    ]);
    for (const t of r.times) {
      expect(t.meanMs).toBeGreaterThan(0);
      expect(t.readMs + t.ackMs).toBeCloseTo(t.meanMs, 6);
    }
    expect(describeAckCost(r).join('\n')).toContain('churn REMOVE');
  }

  it('times ADD and REMOVE batches against a DuckDB state', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pinsync-ack-cost-'));
    dirs.push(dir);
    const r = await benchAckCost({ stored: 20_000, batch: 2_000, batches: 2, state: 'duckdb', dir: join(dir, 'bench') }, () => {});
    expect(r.engine).toBe('duckdb');
    expectShape(r);
  });

  it('times them against a Postgres state, in a schema of its own that it drops, with no password in the result', async () => {
    const schema = `ack_cost_${randomBytes(4).toString('hex')}`;
    const r = await benchAckCost({ stored: 20_000, batch: 2_000, batches: 2, state: `${pgTestUrl()}?schema=${schema}`, dir: 'unused' }, () => {});
    expect(r.engine).toBe('postgres');
    expectShape(r);
    expect(r.options.state).not.toMatch(/:[^/@]*@/);
    const admin = await pgAdmin();
    try {
      expect((await admin.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema])).rowCount).toBe(0);
    } finally {
      await admin.end();
    }
  });
});

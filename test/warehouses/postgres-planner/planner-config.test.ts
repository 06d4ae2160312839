/** `warehouses.<n>.planner` and `syncs[].diff`: accepted where they apply, refused with a clear message elsewhere. */
import { describe, expect, it } from 'vitest';
import { syncJobFromConfig } from '../../../core/sync-jobs.js';
import { issuesOf, messageAt, minimalConfig, parse } from '../../config/config-fixtures.js';

function postgresConfig(planner?: object, diff?: string): Record<string, any> {
  const c = minimalConfig();
  c.warehouses = { pg: { type: 'postgres', url: 'postgres://u@127.0.0.1:5432/db', ...(planner && { planner }) } };
  c.syncs[0].warehouse = 'pg';
  if (diff !== undefined) c.syncs[0].diff = diff;
  return c;
}

describe('diff: warehouse config', () => {
  it('defaults to diff: state; a Postgres planner with diff: warehouse builds a warehouse job', () => {
    const plain = parse(postgresConfig());
    expect(syncJobFromConfig(plain, plain.syncs[0]!).diff).toBe('state');
    const config = parse(postgresConfig({ schema: 'pinsync' }, 'warehouse'));
    expect(config.warehouses.pg).toEqual(expect.objectContaining({ planner: { schema: 'pinsync' } }));
    expect(syncJobFromConfig(config, config.syncs[0]!).diff).toBe('warehouse');
  });

  it('refuses a planner on other engines, saying it is Postgres-only for now', () => {
    const c = minimalConfig();
    c.warehouses.local.planner = { schema: 'pinsync' };
    expect(messageAt(issuesOf(c), 'warehouses.local.planner')).toBe('planner (diff: warehouse) is only supported on Postgres warehouses for now');
  });

  it('refuses a bad schema name, an unknown planner key and an unknown diff mode', () => {
    expect(messageAt(issuesOf(postgresConfig({ schema: 'my schema' })), 'warehouses.pg.planner.schema')).toContain('must be a schema name');
    expect(issuesOf(postgresConfig({ schema: 'p', dataset: 'x' })).map((i) => i.path)).toContain('warehouses.pg.planner.dataset');
    expect(messageAt(issuesOf(postgresConfig({ schema: 'p' }, 'warehous')), 'syncs[0].diff')).toBe('must be one of state, warehouse');
  });

  it('diff: warehouse without a planner on the warehouse is a config error naming the fix (what validate reports)', () => {
    expect(messageAt(issuesOf(postgresConfig(undefined, 'warehouse')), 'syncs[0].diff')).toBe(
      'diff: warehouse needs a planner schema on warehouse pg: add planner: { schema: pinsync } to warehouses.pg',
    );
    const c = postgresConfig({ schema: 'pinsync' }, 'warehouse');
    c.warehouses.local = { type: 'duckdb', path: 'analytics.duckdb' };
    c.syncs[0].warehouse = 'local';
    expect(messageAt(issuesOf(c), 'syncs[0].diff')).toContain('diff: warehouse is only supported on Postgres warehouses for now');
  });
});

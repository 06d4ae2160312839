/** The BigQuery part of `warehouses.<name>`: job deadline, retries and the results dataset are settings a user can write. */
import { describe, expect, it } from 'vitest';
import { issuesOf, messageAt, minimalConfig, parse } from './config-fixtures.js';

describe('config schema: bigquery warehouse', () => {
  it('accepts jobTimeoutMs, maxRetries, jobRetries and resultsDataset (numbers also as ${VAR} strings)', () => {
    const c = minimalConfig();
    c.warehouses.bq = { type: 'bigquery', projectId: 'p', jobTimeoutMs: '600000', maxRetries: 0, jobRetries: '5', resultsDataset: 'other-proj.pinsync_tmp' };
    expect(parse(c).warehouses.bq).toMatchObject({ jobTimeoutMs: 600_000, maxRetries: 0, jobRetries: 5, resultsDataset: 'other-proj.pinsync_tmp' });
    c.warehouses.bq = { type: 'bigquery', projectId: 'p', resultsDataset: 'pinsync_tmp', jobTimeoutMs: '', jobRetries: '' };
    expect(parse(c).warehouses.bq).toMatchObject({ resultsDataset: 'pinsync_tmp', jobTimeoutMs: undefined, jobRetries: undefined });
  });

  it('refuses values BigQuery or the connector could not use, naming each', () => {
    const c = minimalConfig();
    c.warehouses.bq = { type: 'bigquery', projectId: 'p', jobTimeoutMs: 0, maxRetries: -1, jobRetries: 11, resultsDataset: 'my dataset' };
    const issues = issuesOf(c);
    expect(issues.map((i) => i.path).sort()).toEqual(['warehouses.bq.jobRetries', 'warehouses.bq.jobTimeoutMs', 'warehouses.bq.maxRetries', 'warehouses.bq.resultsDataset']);
    expect(messageAt(issues, 'warehouses.bq.resultsDataset')).toMatch(/dataset/);
  });
});

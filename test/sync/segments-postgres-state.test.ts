/**
 * A segment sync on shared Postgres state: each segment stages in its own session (its own connection) while the
 * others run, locks per segment, and ends exact, first sync and churn.
 */
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { pgTestUrl } from '../warehouses/postgres-target.js';
import { useSyncFixture } from '../helpers/sync-fixture.js';
import { expectedBySegment, listsByName, runAll, setSegments, spread, writeSegmentConfig } from './segments-helpers.js';

const fx = useSyncFixture();

async function usePostgresState(): Promise<void> {
  const url = new URL(pgTestUrl());
  url.searchParams.set('schema', `seg_${randomBytes(4).toString('hex')}`);
  const text = await readFile(fx().configPath, 'utf8');
  await writeFile(fx().configPath, text.replace('state: duckdb:state.duckdb', `state: "${url.toString()}"`));
}

describe('segments on Postgres state', () => {
  it('first sync and churn end exact in every list', async () => {
    const rows = spread(400, 8);
    await setSegments(fx(), rows);
    await writeSegmentConfig(fx(), '{ column: segment, name: "CRM – {segment}" }', [], 20);
    await usePostgresState();
    const first = await runAll(fx());
    expect(first.code, first.stderr).toBe(0);
    expect(first.reports).toHaveLength(8);

    const churned = [...rows.slice(10).map((r, i) => (i < 5 ? { ...r, segment: 'seg_07' } : r)), { email: 'late@example.com', segment: 'seg_08' }];
    await setSegments(fx(), churned);
    const second = await runAll(fx());
    expect(second.code, second.stderr).toBe(0);
    const lists = listsByName(fx());
    expect(lists.size).toBe(9);
    for (const [segment, hashes] of expectedBySegment(churned)) expect(lists.get(`CRM – ${segment}`)).toEqual(hashes);
  });
});

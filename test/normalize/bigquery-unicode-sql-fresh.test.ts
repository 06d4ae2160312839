/**
 * sql/bigquery/normalize-unicode-v1.sql is generated from this Node's toLowerCase/trim/\s. After a Node upgrade with
 * new Unicode data, the committed functions would silently disagree with TypeScript.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generateBigQueryUnicodeSql, BIGQUERY_UNICODE_SQL_FILE } from '../../scripts/generate-bigquery-normalize.js';

describe('generated BigQuery Unicode SQL', () => {
  it('matches what scripts/generate-bigquery-normalize.ts derives now', () => {
    const committed = readFileSync(BIGQUERY_UNICODE_SQL_FILE, 'utf8');
    const fresh = generateBigQueryUnicodeSql();
    // A plain boolean keeps the failure message short; the diff is 70 KB of tables and regex classes.
    const upToDate = committed === fresh;
    expect(upToDate, 'stale: run `npx tsx scripts/generate-bigquery-normalize.ts` and commit the result').toBe(true);
  });
});

/**
 * sql/duckdb/normalize-unicode-v1.sql is generated from this Node's toLowerCase/trim/\s and DuckDB's lower(). If
 * either changed (a Node or DuckDB upgrade), the committed macros would silently disagree with TypeScript.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generateUnicodeSql, UNICODE_SQL_FILE } from '../../scripts/generate-duckdb-lowercase.js';

describe('generated Unicode SQL', () => {
  it('matches what scripts/generate-duckdb-lowercase.ts derives now', async () => {
    const committed = readFileSync(UNICODE_SQL_FILE, 'utf8');
    const fresh = await generateUnicodeSql();
    // A plain boolean keeps the failure message short; the diff is 30 KB of regex classes.
    const upToDate = committed === fresh;
    expect(upToDate, 'stale: run `npx tsx scripts/generate-duckdb-lowercase.ts` and commit the result').toBe(true);
  });
});

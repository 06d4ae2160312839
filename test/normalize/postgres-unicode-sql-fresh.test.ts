/**
 * sql/postgres/normalize-unicode-v1.sql is generated from this Node's toLowerCase/trim/\s. After a Node upgrade
 * with new Unicode data, the committed functions would silently disagree with TypeScript.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generatePostgresUnicodeSql, POSTGRES_UNICODE_SQL_FILE } from '../../scripts/generate-postgres-normalize.js';

describe('generated Postgres Unicode SQL', () => {
  it('matches what scripts/generate-postgres-normalize.ts derives now', () => {
    const committed = readFileSync(POSTGRES_UNICODE_SQL_FILE, 'utf8');
    const fresh = generatePostgresUnicodeSql();
    // A plain boolean keeps the failure message short; the diff is 50 KB of regex classes.
    const upToDate = committed === fresh;
    expect(upToDate, 'stale: run `npx tsx scripts/generate-postgres-normalize.ts` and commit the result').toBe(true);
  });
});

/** The membership conformance cases (membership-conformance.ts) on the default state: a DuckDB file. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { DuckDbStateStore } from '../../connectors/state/duckdb/duckdb-state-store.js';
import { describeMembershipConformance } from './membership-conformance.js';

describeMembershipConformance('duckdb', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'pinsync-membership-'));
  const store = await DuckDbStateStore.open(join(dir, 'state.duckdb'));
  return {
    store,
    async dispose() {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
    async leftovers() {
      const { rows } = await sql<{ n: number | bigint }>`SELECT count(*) AS n FROM acked_records`.execute(store.stateTables);
      return Number(rows[0]!.n);
    },
  };
});

/** The state conformance suite on the default engine: a DuckDB file. */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDuckDb } from '../../connectors/duckdb/open-duckdb.js';
import { DuckDbStateStore } from '../../connectors/state/duckdb/duckdb-state-store.js';
import { STATE_MIGRATIONS } from '../../connectors/state/state-migrations.js';
import { loadSql, splitStatements } from '../../connectors/sql-files.js';
import { describeStateConformance, type StateLocationHandle } from './state-conformance.js';

async function runOnFile(path: string, statements: string[]): Promise<void> {
  const instance = await openDuckDb(path);
  const conn = await instance.connect();
  try {
    for (const s of statements) await conn.run(s);
    await conn.run('CHECKPOINT');
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

describeStateConformance({
  kind: 'duckdb',
  plainTokensAllowed: true,
  async fresh(): Promise<StateLocationHandle> {
    const dir = await mkdtemp(join(tmpdir(), 'pinsync-state-conf-'));
    const path = join(dir, 'state.duckdb');
    return {
      open: (opts = {}) => DuckDbStateStore.open(path, { cipher: opts.cipher, readOnly: opts.readOnly }),
      async createAtVersion(version) {
        const statements = ['CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL)'];
        for (const m of STATE_MIGRATIONS.filter((x) => x.version <= version)) {
          statements.push(...splitStatements(loadSql('duckdb', m.file)));
          statements.push(`INSERT INTO schema_migrations VALUES (${m.version}, '${m.name}', now())`);
        }
        await runOnFile(path, statements);
      },
      exec: (statements) => runOnFile(path, statements),
      async dump() {
        const parts = [await readFile(path, 'latin1')];
        if (existsSync(`${path}.wal`)) parts.push(await readFile(`${path}.wal`, 'latin1'));
        return parts.join('\n');
      },
      // The process that had the file open is gone: its lock row stays behind, stale.
      crashLockHolder: (store) => store.close(),
      cleanup: () => rm(dir, { recursive: true, force: true }),
    };
  },
});

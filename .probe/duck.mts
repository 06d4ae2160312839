import { DuckDbWarehouse } from '../connectors/warehouses/duckdb/duckdb-warehouse.js';
const w = new DuckDbWarehouse({ path: ':memory:' });
async function run(sql: string, bs: number, abortAfterMs?: number, abortAfterBatches?: number) {
  const ac = new AbortController();
  if (abortAfterMs) setTimeout(() => ac.abort(), abortAfterMs);
  const t = Date.now(); let n = 0; let b = 0;
  try {
    for await (const batch of w.read({ sql, syncName: 's', batchSize: bs, signal: ac.signal })) { n += batch.rowCount; b++; if (abortAfterBatches && b === abortAfterBatches) ac.abort(); }
    console.log('ok', n, b, Date.now() - t);
  } catch (e: any) { console.log('err', e.code, e.message, n, b, Date.now() - t); }
}
await run(`SELECT i, CASE WHEN i = 2500 THEN error('boom') ELSE i END FROM range(5000) t(i)`, 100);
await run(`SELECT i, 1/(i-2500) FROM range(5000) t(i)`, 100);
await run(`SELECT i, 1//(i-2500) FROM range(5000) t(i)`, 100);
await run(`SELECT count(*) FROM range(1000000000000)`, 10, 300);
await run(`SELECT * FROM range(5000)`, 100, undefined, 1);
await run(`SELECT * FROM nope_table`, 100);
await run(`SELECT 1 AS Email`, 100);

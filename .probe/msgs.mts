import { PostgresWarehouse } from '../connectors/warehouses/postgres/postgres-warehouse.js';
const url = process.env.U!;
const port = new URL(url).port;
const cases: [string, any, string][] = [
  ['auth', { url, user: 'pinsync_password_user', password: 'x' }, 'SELECT 1'],
  ['refused', { url: 'postgres://postgres@127.0.0.1:1/postgres' }, 'SELECT 1'],
  ['localhost refused', { url: 'postgres://postgres@localhost:1/postgres' }, 'SELECT 1'],
  ['nodb', { url: `postgres://postgres@127.0.0.1:${port}/nodb` }, 'SELECT 1'],
  ['missing', { url }, 'SELECT * FROM public.vips'],
  ['syntax', { url }, 'SELEC 1'],
  ['col', { url }, 'SELECT nope FROM pg_class'],
  ['tls', { url, ssl: true }, 'SELECT 1'],
  ['timeout', { url, statementTimeoutMs: 100 }, 'SELECT pg_sleep(1)'],
];
for (const [label, opts, sql] of cases) {
  try { for await (const _ of new PostgresWarehouse({ name: 'pg', ...opts }).read({ sql, syncName: 'vip', batchSize: 10 })) {} console.log(label, 'OK?'); }
  catch (e: any) { console.log(label, '|', e.code, '|', e.message); }
}

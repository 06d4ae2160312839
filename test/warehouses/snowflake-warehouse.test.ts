/**
 * Snowflake specifics beyond the shared conformance suite, with the real `snowflake-sdk` against the local fake:
 * password and key-pair logins, the session context and query tag, chunked results, statement timeout, cancel,
 * how each kind of failure is reported, and how NUMBER and NULL arrive as cells.
 */
import { generateKeyPairSync } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WarehouseError } from '../../core/errors.js';
import type { RowBatch } from '../../core/warehouse.js';
import { createWarehouse } from '../../connectors/warehouses/create-warehouse.js';
import { SnowflakeWarehouse } from '../../connectors/warehouses/snowflake/snowflake-warehouse.js';
import { startSnowflakeFake, type RunningSnowflakeFake } from '../fakes/snowflake-fake.js';
import { FAKE_USER, snowflakeTable, snowflakeWarehouseFor, waitForSessionsClosed } from './snowflake-target.js';

const SYNC = 'sf_sync';
const PASSPHRASE = 'fake-passphrase';
const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
const publicKey = keys.publicKey.export({ type: 'spki', format: 'pem' }).toString();
const encryptedKey = keys.privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: PASSPHRASE }).toString();
const plainKey = keys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

let fake: RunningSnowflakeFake;
let dir: string;
let warehouse: SnowflakeWarehouse | undefined;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pinsync-snowflake-'));
  await writeFile(join(dir, 'rsa_key.p8'), encryptedKey);
  fake = await startSnowflakeFake({
    users: { PINSYNC: { password: FAKE_USER.password }, SVC_KEYPAIR: { publicKey } },
    roles: ['PINSYNC_READER'],
    rowsPerChunk: 100,
    pollWaitMs: 10,
    tables: {
      PEOPLE: snowflakeTable({
        columns: [
          { name: 'ID', type: 'int64' },
          { name: 'EMAIL', type: 'text' },
        ],
        rows: Array.from({ length: 250 }, (_, i) => [BigInt(i + 1), `user${i + 1}@example.com`]),
      }),
    },
  });
});
afterAll(async () => {
  await fake.close();
  await rm(dir, { recursive: true, force: true });
});
afterEach(async () => {
  await warehouse?.close();
  warehouse = undefined;
  await waitForSessionsClosed(fake);
  fake.requests.length = 0;
  fake.queries.length = 0;
  fake.sessions.clear();
  for (const key of Object.keys(fake.scripts)) delete fake.scripts[key];
});

async function readAll(w: SnowflakeWarehouse, sql: string, batchSize = 100, signal?: AbortSignal): Promise<RowBatch[]> {
  const batches: RowBatch[] = [];
  for await (const batch of w.read({ sql, syncName: SYNC, batchSize, signal })) batches.push(batch);
  return batches;
}

async function failure(work: () => Promise<unknown>): Promise<WarehouseError> {
  try {
    await work();
  } catch (err) {
    expect(err).toBeInstanceOf(WarehouseError);
    return err as WarehouseError;
  }
  throw new Error('expected a failure');
}

const sessions = () => [...fake.sessions.values()];

describe('Snowflake connector against the fake', () => {
  it('logs in with the session context, tags the statement pinsync:<sync>, and logs out', async () => {
    warehouse = snowflakeWarehouseFor(fake);
    const batches = await readAll(warehouse, 'SELECT * FROM PEOPLE');
    expect(batches.map((b) => b.rowCount)).toEqual([100, 100, 50]);
    const login = fake.requests.find((r) => r.path === '/session/v1/login-request')!;
    expect(login.query).toMatchObject({ warehouse: 'PINSYNC_WH', databaseName: 'ANALYTICS', schemaName: 'PUBLIC', roleName: 'PINSYNC_READER' });
    expect(login.body.data).toMatchObject({ ACCOUNT_NAME: fake.account, LOGIN_NAME: 'pinsync', SESSION_PARAMETERS: { QUERY_TAG: `pinsync:${SYNC}` } });
    expect(fake.queries.map((q) => [q.sqlText, q.queryTag])).toEqual([['SELECT * FROM PEOPLE', `pinsync:${SYNC}`]]);
    expect(sessions().map((s) => s.open)).toEqual([false]);
  });

  it('streams a chunked result, downloading the chunks as rows are read', async () => {
    warehouse = snowflakeWarehouseFor(fake);
    const batches = await readAll(warehouse, 'SELECT ID, EMAIL FROM PEOPLE ORDER BY ID', 60);
    expect(batches.map((b) => b.rowCount)).toEqual([60, 60, 60, 60, 10]);
    expect(batches.flatMap((b) => b.columns[0]!)).toEqual(Array.from({ length: 250 }, (_, i) => String(i + 1)));
    const chunks = fake.requests.filter((r) => r.path.startsWith('/fake-stage/'));
    expect(chunks.map((r) => r.path.split('/').at(-1))).toEqual(['1', '2']);
  });

  it('reports column names as Snowflake returns them: unquoted upper-case, quoted as written', async () => {
    warehouse = snowflakeWarehouseFor(fake);
    const [batch] = await readAll(warehouse, 'SELECT email AS contact, id AS "RowId" FROM PEOPLE WHERE ID <= 2');
    expect(batch!.columnNames).toEqual(['CONTACT', 'RowId']);
  });

  it('keeps NUMBER exact as text and NULL as null (not the string NULL)', async () => {
    fake.scripts['SELECT typed'] = {
      result: {
        columns: [
          { name: 'N', type: 'fixed' },
          { name: 'R', type: 'real' },
          { name: 'T', type: 'text' },
          { name: 'B', type: 'boolean' },
        ],
        rows: [
          ['9223372036854775807', '0.5', 'Zoë 東京', '1'],
          [null, null, null, null],
          ['-9007199254740993', '-1.25', '', '0'],
        ],
      },
    };
    warehouse = snowflakeWarehouseFor(fake);
    const [batch] = await readAll(warehouse, 'SELECT typed');
    expect(batch!.columns[0]).toEqual(['9223372036854775807', null, '-9007199254740993']);
    expect(batch!.columns[1]!.map((v) => (v === null ? null : Number(v)))).toEqual([0.5, null, -1.25]);
    expect(batch!.columns[2]).toEqual(['Zoë 東京', null, '']);
    expect(batch!.columns[3]).toEqual([true, null, false]);
  });

  it('logs in with an encrypted key file (SNOWFLAKE_JWT) and with an inline key', async () => {
    warehouse = snowflakeWarehouseFor(fake, { username: 'svc_keypair', password: undefined, privateKeyPath: join(dir, 'rsa_key.p8'), privateKeyPassphrase: PASSPHRASE });
    await warehouse.check();
    const inline = snowflakeWarehouseFor(fake, { username: 'svc_keypair', password: undefined, privateKey: plainKey });
    await inline.check();
    expect(sessions().map((s) => [s.user, s.authenticator])).toEqual([
      ['SVC_KEYPAIR', 'SNOWFLAKE_JWT'],
      ['SVC_KEYPAIR', 'SNOWFLAKE_JWT'],
    ]);
    const login = fake.requests.find((r) => r.path === '/session/v1/login-request')!;
    expect(login.body.data).not.toHaveProperty('PASSWORD');
  });

  it('reports a rejected password or key as an auth error naming the sync, never the secret', async () => {
    warehouse = snowflakeWarehouseFor(fake, { password: 'wrong-secret-value' });
    const err = await failure(() => readAll(warehouse!, 'SELECT * FROM PEOPLE'));
    expect(err.code).toBe('PINSYNC_WAREHOUSE_AUTH');
    expect(err.message).toContain(`sync ${SYNC}`);
    expect(err.message).toContain('Incorrect username or password');
    expect(err.message).not.toContain('wrong-secret-value');

    const otherKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const wrongKey = snowflakeWarehouseFor(fake, { username: 'svc_keypair', password: undefined, privateKey: otherKey });
    const jwt = await failure(() => wrongKey.check());
    expect(jwt.code).toBe('PINSYNC_WAREHOUSE_AUTH');
    expect(jwt.message).toContain('warehouse sf_test');
    expect(jwt.message).toContain('390144');

    const badPassphrase = snowflakeWarehouseFor(fake, { username: 'svc_keypair', password: undefined, privateKeyPath: join(dir, 'rsa_key.p8'), privateKeyPassphrase: 'nope' });
    expect((await failure(() => badPassphrase.check())).code).toBe('PINSYNC_WAREHOUSE_AUTH');
  });

  it('reports a role the user may not use as a permission error', async () => {
    warehouse = snowflakeWarehouseFor(fake, { role: 'ACCOUNTADMIN' });
    const err = await failure(() => readAll(warehouse!, 'SELECT * FROM PEOPLE'));
    expect(err.code).toBe('PINSYNC_WAREHOUSE_PERMISSION');
    expect(err.message).toContain("Role 'ACCOUNTADMIN'");
  });

  it('reports a missing table with its name, and bad SQL as a SQL error', async () => {
    warehouse = snowflakeWarehouseFor(fake);
    const missing = await failure(() => readAll(warehouse!, 'SELECT * FROM ANALYTICS.PUBLIC.NO_SUCH_TABLE'));
    expect(missing.code).toBe('PINSYNC_WAREHOUSE_TABLE_NOT_FOUND');
    expect(missing.message).toContain(`sync ${SYNC}`);
    expect(missing.message).toContain('ANALYTICS.PUBLIC.NO_SUCH_TABLE');
    expect(missing.message).toContain('USAGE');
    // A statement that failed on the server has ended there: no abort-request follows.
    expect(fake.requests.filter((r) => r.path.endsWith('/abort-request'))).toHaveLength(0);
    const syntax = await failure(() => readAll(warehouse!, 'SELEC oops'));
    expect(syntax.code).toBe('PINSYNC_WAREHOUSE_SQL');
    expect(syntax.message).toContain(`sync ${SYNC}`);
  });

  it('sets STATEMENT_TIMEOUT_IN_SECONDS and reports a statement Snowflake stopped for it', async () => {
    fake.scripts['SELECT SYSTEM$WAIT(5)'] = { pendingPolls: Number.POSITIVE_INFINITY };
    warehouse = snowflakeWarehouseFor(fake, { statementTimeoutSeconds: 1 });
    const err = await failure(() => readAll(warehouse!, 'SELECT SYSTEM$WAIT(5)'));
    expect(err.code).toBe('PINSYNC_WAREHOUSE_TIMEOUT');
    expect(err.message).toContain('statementTimeoutSeconds (1 s)');
    expect(fake.queries[0]!.sqlText).toBe('ALTER SESSION SET STATEMENT_TIMEOUT_IN_SECONDS = 1');
    expect(sessions().at(-1)!.sessionParameters).toMatchObject({ STATEMENT_TIMEOUT_IN_SECONDS: 1, QUERY_TAG: `pinsync:${SYNC}` });
  });

  it('cancels a running statement on abort (abort-request) and logs out', async () => {
    fake.scripts['SELECT SYSTEM$WAIT(60)'] = { pendingPolls: Number.POSITIVE_INFINITY };
    warehouse = snowflakeWarehouseFor(fake);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 150);
    const err = await failure(() => readAll(warehouse!, 'SELECT SYSTEM$WAIT(60)', 10, controller.signal));
    expect(err.code).toBe('PINSYNC_ABORTED');
    expect(err.message).toContain(SYNC);
    const aborts = fake.requests.filter((r) => r.path.endsWith('/abort-request'));
    expect(aborts).toHaveLength(1);
    expect(aborts[0]!.path).toBe(`/queries/${fake.queries[0]!.queryId}/abort-request`);
    expect(fake.queries[0]!.cancelled).toBe(true);
    expect(fake.openSessions()).toBe(0);
  });

  it('logs out of a session whose login was still in flight when aborted', async () => {
    const slowLogin = await startSnowflakeFake({ loginDelayMs: 200 });
    try {
      warehouse = snowflakeWarehouseFor(slowLogin, { role: undefined });
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 50);
      const started = Date.now();
      const err = await failure(() => readAll(warehouse!, 'SELECT 1', 10, controller.signal));
      expect(err.code).toBe('PINSYNC_ABORTED');
      expect(Date.now() - started).toBeLessThan(2000);
      await waitForSessionsClosed(slowLogin);
      expect(slowLogin.sessions.size).toBe(1);
      expect(slowLogin.queries).toHaveLength(0);
    } finally {
      await warehouse?.close();
      warehouse = undefined;
      await slowLogin.close();
    }
  });

  it('reports an unreachable endpoint', async () => {
    const closed = await startSnowflakeFake();
    await closed.close();
    warehouse = snowflakeWarehouseFor(closed);
    const err = await failure(() => readAll(warehouse!, 'SELECT 1'));
    expect(err.code).toBe('PINSYNC_WAREHOUSE_UNREACHABLE');
    expect(err.message).toContain(`sync ${SYNC}`);
  });

  it('keeps the SDK off the disk and off cloud metadata: no snowflake.log, platform detection disabled', () => {
    expect(existsSync(join(process.cwd(), 'snowflake.log'))).toBe(false);
    expect(process.env.SNOWFLAKE_DISABLE_PLATFORM_DETECTION).toBe('true');
  });

  it('is built by createWarehouse from a config entry', async () => {
    const built = await createWarehouse('sf', {
      type: 'snowflake',
      account: fake.account,
      username: FAKE_USER.username,
      password: FAKE_USER.password,
      warehouse: 'WH',
      database: 'DB',
      schema: 'PUBLIC',
      accessUrl: fake.url,
    });
    try {
      expect(built.engine).toBe('snowflake');
      await built.check();
      expect(fake.queries.map((q) => q.queryTag)).toEqual(['pinsync:check']);
    } finally {
      await built.close();
    }
  });
});

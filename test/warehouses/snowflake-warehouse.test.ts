/**
 * Snowflake specifics beyond the shared conformance suite, with the real `snowflake-sdk` against the local fake:
 * password and key-pair logins, the session context and query tag, chunked results, statement timeout, cancel,
 * how each kind of failure is reported, how each column type arrives as a cell (NUMBER, NULL, BINARY, VARIANT), and
 * what keeps long reads healthy (prefetch, keep-alive, a check that proves the warehouse is usable).
 */
import { createHash, generateKeyPairSync } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WarehouseError } from '../../core/errors.js';
import { normalizeIdentifier } from '../../core/normalize/normalize-identifier.js';
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

// A SHA-256 digest stored as BINARY (what SHA2_BINARY returns), and the same bytes as Snowflake's wire sends them.
const DIGEST = createHash('sha256').update('binary@example.com').digest();

describe('Snowflake cells by column type', () => {
  it('hands BINARY over as its bytes whatever the BINARY_OUTPUT_FORMAT (a BASE64 account too)', async () => {
    const base64 = await startSnowflakeFake({ parameters: { BINARY_OUTPUT_FORMAT: 'BASE64' } });
    try {
      for (const f of [fake, base64]) {
        f.scripts['SELECT digests'] = {
          result: {
            columns: [{ name: 'EMAIL_SHA256', type: 'binary' }],
            rows: [[DIGEST.toString('hex').toUpperCase()], [null], ['0707']],
          },
        };
        const w = snowflakeWarehouseFor(f);
        try {
          const [batch] = await readAll(w, 'SELECT digests');
          const [digest, empty, short] = batch!.columns[0]!;
          expect(digest).toBeInstanceOf(Uint8Array);
          expect(Buffer.from(digest as Uint8Array).equals(DIGEST)).toBe(true);
          expect(empty).toBeNull();
          expect([...(short as Uint8Array)]).toEqual([7, 7]);
          // The digest itself, not the hash of its base64 text.
          expect(normalizeIdentifier('email_sha256', digest)).toEqual({ status: 'ok', hash: DIGEST.toString('hex'), prehashed: true });
        } finally {
          await w.close();
        }
      }
    } finally {
      await base64.close();
    }
  });

  it('unwraps VARIANT scalars (strings without quotes, numbers exact) and hands objects and arrays over as JS values', async () => {
    fake.scripts['SELECT variants'] = {
      result: {
        columns: [
          { name: 'V', type: 'variant' },
          { name: 'O', type: 'object' },
          { name: 'A', type: 'array' },
          { name: 'T', type: 'text' },
        ],
        rows: [
          ['"JSON.Email@Example.com"', '{\n  "email": "x@example.com"\n}', '[\n  "a@example.com"\n]', '"quoted"'],
          ['9007199254740993', '{}', '[]', '{"x":1}'],
          ['null', null, null, null],
          ['true', null, null, 'null'],
          ['{\n  "n": 1\n}', null, null, ''],
          ['<email>x@example.com</email>', null, null, null],
        ],
      },
    };
    warehouse = snowflakeWarehouseFor(fake);
    const [batch] = await readAll(warehouse, 'SELECT variants');
    expect(batch!.columns[0]).toEqual(['JSON.Email@Example.com', '9007199254740993', null, true, { n: 1 }, expect.any(Object)]);
    expect(typeof batch!.columns[0]![5]).toBe('object');
    expect(batch!.columns[1]).toEqual([{ email: 'x@example.com' }, {}, null, null, null, null]);
    expect(batch!.columns[2]).toEqual([['a@example.com'], [], null, null, null, null]);
    // Only the column's type decides: text that looks like JSON stays exactly as it is.
    expect(batch!.columns[3]).toEqual(['"quoted"', '{"x":1}', null, 'null', '', null]);
    expect(normalizeIdentifier('email', batch!.columns[0]![0])).toMatchObject({ status: 'ok', hash: createHash('sha256').update('json.email@example.com').digest('hex') });
    for (const nested of [batch!.columns[1]![0], batch!.columns[2]![0], batch!.columns[0]![5]]) {
      expect(normalizeIdentifier('email', nested)).toMatchObject({ status: 'rejected', reason: 'unsupported_value' });
    }
  });
});

describe('Snowflake robustness', () => {
  it('downloads at most one result chunk ahead of the one being read (resultPrefetch 1)', async () => {
    const chunked = await startSnowflakeFake({
      rowsPerChunk: 10,
      chunkDelayMs: 100,
      tables: { T: snowflakeTable({ columns: [{ name: 'N', type: 'int64' }], rows: Array.from({ length: 60 }, (_, i) => [BigInt(i + 1)]) }) },
    });
    const w = snowflakeWarehouseFor(chunked);
    try {
      const batches = await readAll(w, 'SELECT N FROM T', 10);
      expect(batches.flatMap((b) => b.columns[0]!)).toEqual(Array.from({ length: 60 }, (_, i) => String(i + 1)));
      expect(chunked.requests.filter((r) => r.path.startsWith('/fake-stage/'))).toHaveLength(5);
      // The chunk being read and one ahead (the SDK's default prefetch of 2 has three downloads in flight at once).
      expect(chunked.maxChunksInFlight()).toBeLessThanOrEqual(2);
    } finally {
      await w.close();
      await chunked.close();
    }
  });

  it('asks Snowflake to keep the session alive while a long read runs', async () => {
    warehouse = snowflakeWarehouseFor(fake);
    await readAll(warehouse, 'SELECT * FROM PEOPLE');
    const login = fake.requests.find((r) => r.path === '/session/v1/login-request')!;
    expect(login.body.data.SESSION_PARAMETERS).toMatchObject({ CLIENT_SESSION_KEEP_ALIVE: true });
  });

  it('check() and a sync name the setting to fix when the session has no usable warehouse, database or schema', async () => {
    const strict = await startSnowflakeFake({ warehouses: ['PINSYNC_WH'], databases: ['ANALYTICS'], schemas: ['PUBLIC'] });
    try {
      await snowflakeWarehouseFor(strict).check();
      const cases = [
        [{ warehouse: 'NO_SUCH_WH' }, 'NO_SUCH_WH', 'warehouses.sf_test.warehouse'],
        [{ database: 'NO_SUCH_DB' }, 'NO_SUCH_DB', 'warehouses.sf_test.database'],
        [{ schema: 'NO_SUCH_SCHEMA' }, 'NO_SUCH_SCHEMA', 'warehouses.sf_test.schema'],
      ] as const;
      for (const [override, named, key] of cases) {
        const w = snowflakeWarehouseFor(strict, override);
        const err = await failure(() => w.check());
        expect(err.code).toBe('PINSYNC_WAREHOUSE_PERMISSION');
        expect(err.message).toContain('warehouse sf_test');
        expect(err.message).toContain(named);
        expect(err.message).toContain(key);
        expect(err.message).toContain('PINSYNC_READER');
      }
      // A sync that runs anyway meets Snowflake's own error; it names the setting too.
      const noWarehouse = snowflakeWarehouseFor(strict, { warehouse: 'NO_SUCH_WH' });
      strict.tables.PEOPLE = snowflakeTable({ columns: [{ name: 'EMAIL', type: 'text' }], rows: [['a@example.com']] });
      const read = await failure(() => readAll(noWarehouse, 'SELECT * FROM PEOPLE'));
      expect(read.code).toBe('PINSYNC_WAREHOUSE_PERMISSION');
      expect(read.message).toContain(`sync ${SYNC}`);
      expect(read.message).toContain('NO_SUCH_WH');
      expect(read.message).toContain('warehouses.sf_test.warehouse');
      const noDatabase = await failure(() => readAll(snowflakeWarehouseFor(strict, { database: 'NO_SUCH_DB' }), 'SELECT * FROM PEOPLE'));
      expect(noDatabase.code).toBe('PINSYNC_WAREHOUSE_PERMISSION');
      expect(noDatabase.message).toContain('NO_SUCH_DB');
      expect(noDatabase.message).toContain('warehouses.sf_test.database');
      const noSchema = await failure(() => readAll(snowflakeWarehouseFor(strict, { schema: 'NO_SUCH_SCHEMA' }), 'SELECT * FROM PEOPLE'));
      expect(noSchema.message).toContain('ANALYTICS.NO_SUCH_SCHEMA');
      expect(noSchema.message).toContain('warehouses.sf_test.schema');
      await waitForSessionsClosed(strict);
    } finally {
      await strict.close();
    }
  });

  it('accepts a privateKey whose line breaks arrived as literal \\n (from an environment variable) or as spaces', async () => {
    const escaped = plainKey.trim().replace(/\r?\n/g, '\\n');
    expect(escaped).not.toContain('\n');
    warehouse = snowflakeWarehouseFor(fake, { username: 'svc_keypair', password: undefined, privateKey: escaped });
    await warehouse.check();
    // Pasted into a one-line field, where the line breaks became spaces.
    const spaced = snowflakeWarehouseFor(fake, { username: 'svc_keypair', password: undefined, privateKey: plainKey.trim().replace(/\r?\n/g, ' ') });
    await spaced.check();
    expect(sessions().map((s) => [s.user, s.authenticator])).toEqual([
      ['SVC_KEYPAIR', 'SNOWFLAKE_JWT'],
      ['SVC_KEYPAIR', 'SNOWFLAKE_JWT'],
    ]);
  });

  it('refuses an unreadable private key or a wrong passphrase with a message naming the setting, before any login', async () => {
    const cases = [
      [{ privateKey: '-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n' }, 'privateKey'],
      [{ privateKeyPath: join(dir, 'rsa_key.p8') }, 'privateKeyPassphrase'],
      [{ privateKeyPath: join(dir, 'rsa_key.p8'), privateKeyPassphrase: 'nope' }, 'privateKeyPassphrase'],
      [{ privateKey: encryptedKey, privateKeyPassphrase: 'nope' }, 'privateKeyPassphrase'],
      [{ privateKeyPath: join(dir, 'missing.p8') }, join(dir, 'missing.p8')],
    ] as const;
    for (const [override, named] of cases) {
      const w = snowflakeWarehouseFor(fake, { username: 'svc_keypair', password: undefined, ...override });
      const err = await failure(() => w.check());
      expect(err.code).toBe('PINSYNC_WAREHOUSE_AUTH');
      expect(err.message).toContain('warehouse sf_test');
      expect(err.message).toContain(named);
      expect(err.message).not.toMatch(/routines|DECODER|bm90IGEga2V5/);
    }
    expect(fake.requests.filter((r) => r.path === '/session/v1/login-request')).toHaveLength(0);
  });
});

/**
 * A DuckDB warehouse whose identifier columns are not plain text: JSON (values keep their quotes as text), a BLOB
 * holding SHA-256 digests, an exact DECIMAL beyond a double's 53 bits, a LIST and a STRUCT. Synced once with the
 * pushdown (the state engine ATTACHes the warehouse and normalizes in SQL) and once streamed through Node
 * (PINSYNC_NO_PUSHDOWN=1), each into its own emulator: both must send exactly the same records and reject exactly
 * the same cells for the same reasons, and the digest and the JSON email must land as the right hashes.
 */
import { createHash } from 'node:crypto';
import { LIST, STRUCT, VARCHAR, decimalValue } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SyncReport } from '../../core/sync-report.js';
import { SyncFixture } from '../helpers/sync-fixture.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest();
const DIGEST = sha256('digest.person@example.com');

interface Row {
  contact: string | null;
  digest: Uint8Array | null;
  amount: string | null;
  tags: string[] | null;
  profile: { value: string } | null;
}

const ROWS: Row[] = [
  { contact: '"Json.Person@Example.com"', digest: DIGEST, amount: '12345678901234567890123456789012', tags: ['tag@example.com'], profile: { value: 'p@example.com' } },
  { contact: '{"email":"x@example.com"}', digest: new Uint8Array(16).fill(7), amount: '-9007199254740993', tags: [], profile: { value: 'x' } },
  { contact: '["a@example.com"]', digest: new Uint8Array(), amount: null, tags: null, profile: null },
  { contact: 'null', digest: null, amount: '0', tags: null, profile: null },
  { contact: '"  SECOND@example.com "', digest: sha256('second.digest@example.com'), amount: null, tags: null, profile: null },
  { contact: '42', digest: null, amount: null, tags: null, profile: null },
  { contact: null, digest: null, amount: null, tags: null, profile: null },
];

// What a user sees in the report for these rows, whichever way the warehouse was read.
const EXPECTED_COLUMNS = [
  { column: 'contact', type: 'email', hashed: 2, prehashed: 0, empty: 2, rejected: { unsupported_value: 2, invalid_email: 1 } },
  { column: 'digest', type: 'email_sha256', hashed: 0, prehashed: 2, empty: 3, rejected: { invalid_binary: 2 } },
  { column: 'amount', type: 'email', hashed: 0, prehashed: 0, empty: 4, rejected: { invalid_email: 2, unsupported_hash: 1 } },
  { column: 'tags', type: 'email', hashed: 0, prehashed: 0, empty: 5, rejected: { unsupported_value: 2 } },
  { column: 'profile', type: 'email', hashed: 0, prehashed: 0, empty: 5, rejected: { unsupported_value: 2 } },
];

const pushdown = { name: 'pushdown', env: {} as Record<string, string> };
const streamed = { name: 'streamed', env: { PINSYNC_NO_PUSHDOWN: '1' } as Record<string, string> };
const fixtures = new Map<string, SyncFixture>();
const reports = new Map<string, SyncReport>();
const plans = new Map<string, SyncReport>();

beforeAll(async () => {
  for (const path of [pushdown, streamed]) {
    const fx = await SyncFixture.create();
    fixtures.set(path.name, fx);
    await fx.withWarehouse(async (conn) => {
      await conn.run(
        'CREATE TABLE people (id INTEGER, contact JSON, digest BLOB, amount DECIMAL(38,0), tags VARCHAR[], profile STRUCT(value VARCHAR))',
      );
      const appender = await conn.createAppender('people');
      ROWS.forEach((row, i) => {
        appender.appendInteger(i);
        // JSON is a VARCHAR alias: the document's text is what DuckDB stores.
        if (row.contact === null) appender.appendNull();
        else appender.appendVarchar(row.contact);
        if (row.digest === null) appender.appendNull();
        else appender.appendBlob(row.digest);
        if (row.amount === null) appender.appendNull();
        else appender.appendDecimal(decimalValue(BigInt(row.amount), 38, 0));
        if (row.tags === null) appender.appendNull();
        else appender.appendList(row.tags, LIST(VARCHAR));
        if (row.profile === null) appender.appendNull();
        else appender.appendStruct(row.profile, STRUCT({ value: VARCHAR }));
        appender.endRow();
      });
      appender.closeSync();
    });
    await fx.writeConfig({
      query: 'select contact, digest, amount, tags, profile from people',
      identifiers: '{ contact: email, digest: email_sha256, amount: email, tags: email, profile: email }',
    });
    // A first plan (no state yet) takes its own summary-only route through the pushdown.
    const plan = await fx.syncJson(['plan'], path.env);
    if (plan.code !== 0) throw new Error(`${path.name} plan failed (exit ${plan.code}): ${JSON.stringify(plan.report.error)}\n${plan.stderr}`);
    plans.set(path.name, plan.report);
    const res = await fx.syncJson([], path.env);
    if (res.code !== 0) throw new Error(`${path.name} sync failed (exit ${res.code}): ${JSON.stringify(res.report.error)}\n${res.stderr}`);
    reports.set(path.name, res.report);
  }
});

afterAll(async () => {
  for (const fx of fixtures.values()) await fx.close();
});

describe('typed DuckDB identifier columns', () => {
  it.each([pushdown.name, streamed.name])('are counted per column and reason as the cells hold them (%s)', (name) => {
    const report = reports.get(name)!;
    expect(report.sourceRows).toBe(ROWS.length);
    expect(report.columns).toEqual(EXPECTED_COLUMNS);
    expect(report.rejected).toEqual({ unsupported_value: 6, invalid_email: 3, invalid_binary: 2, unsupported_hash: 1 });
    const plan = plans.get(name)!;
    expect(plan.columns).toEqual(EXPECTED_COLUMNS);
    expect(plan.diff).toMatchObject({ adds: 4, removes: 0 });
  });

  it('send exactly the same records to Pinterest with and without the pushdown', () => {
    const viaPushdown = fixtures.get(pushdown.name)!.membership();
    const viaStream = fixtures.get(streamed.name)!.membership();
    expect(viaPushdown).toEqual(viaStream);
    expect(reports.get(pushdown.name)!.diff).toEqual(reports.get(streamed.name)!.diff);
  });

  it('send the JSON email unwrapped and the binary digest as its hex, never their text forms', () => {
    const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
    const expected = new Set([
      sha256('json.person@example.com').toString('hex'),
      sha256('second@example.com').toString('hex'),
      hex(DIGEST),
      sha256('second.digest@example.com').toString('hex'),
    ]);
    for (const fx of fixtures.values()) expect(fx.membership()).toEqual(expected);
  });
});

/**
 * The error scrubber on the real error texts each warehouse produces when a value fails a cast or a constraint:
 * the data goes, the error's class, position and SQL structure stay.
 */
import { describe, expect, it } from 'vitest';
import { scrubErrorText } from '../../core/scrub-error-text.js';

const EMAIL = 'RawMarker0@Example.com';

describe('scrubErrorText', () => {
  it('keeps the login of a database URL with its port and path, and scrubs an email after :// anywhere else', () => {
    const state = 'cannot reach the Postgres state postgres://svc@db.internal:5432/analytics?schema=pinsync';
    expect(scrubErrorText(state)).toBe(state);
    // Data that merely follows `://` (a URL-ish value in a user column) is still an address.
    for (const value of [`x://${EMAIL}`, `mailto://${EMAIL} rejected`, `http://${EMAIL}/path`]) {
      expect(scrubErrorText(`invalid input syntax: ${value}`)).not.toContain('RawMarker0');
    }
  });

  it("removes DuckDB's quoted value and keeps the error class, the query and the caret", () => {
    const text =
      `Conversion Error: Could not convert string '${EMAIL}' to INT32 when casting from source column email\n\n` +
      'LINE 1: select email from people where cast(email as integer) > 0\n' +
      '                                       ^';
    const scrubbed = scrubErrorText(text);
    expect(scrubbed).not.toContain('RawMarker0');
    expect(scrubbed).toBe(
      "Conversion Error: Could not convert string '<redacted>' to INT32 when casting from source column email\n\n" +
        'LINE 1: select email from people where cast(email as integer) > 0\n' +
        '                                       ^',
    );
  });

  it("keeps DuckDB's caret under the error's position when a literal before it is replaced", () => {
    const line = "LINE 1: select email from people where tier = 'vip' and cast(email as integer) > 0";
    const text = `Conversion Error: Could not convert string 'Jane' to INT32\n\n${line}\n${' '.repeat(line.indexOf('cast'))}^`;
    const lines = scrubErrorText(text).split('\n');
    expect(lines[2]).toBe("LINE 1: select email from people where tier = '<redacted>' and cast(email as integer) > 0");
    expect(lines[3]!.length - 1).toBe(lines[2]!.indexOf('cast'));
  });

  it('removes double-quoted data but keeps double-quoted identifiers', () => {
    expect(scrubErrorText(`Conversion Error: invalid date field format: "Jane Doe", expected format is (YYYY-MM-DD)`)).toBe(
      'Conversion Error: invalid date field format: "<redacted>", expected format is (YYYY-MM-DD)',
    );
    expect(scrubErrorText('Invalid Input Error: Malformed JSON at byte 0 of input: unexpected character.  Input: "Jane Doe"')).not.toContain('Jane');
    expect(scrubErrorText('Invalid Input Error: Could not parse string "Jane Doe" according to format specifier "%Y"')).not.toContain('Jane');
    expect(scrubErrorText('invalid input syntax for type integer: "Jane Doe" (SQLSTATE 22P02)')).toBe(
      'invalid input syntax for type integer: "<redacted>" (SQLSTATE 22P02)',
    );
    const binder = 'Binder Error: Referenced column "mail" not found in FROM clause!\nCandidate bindings: "email", "gaid"\n\nLINE 1: select mail from people';
    expect(scrubErrorText(binder)).toBe(binder);
    expect(scrubErrorText('Parser Error: syntax error at or near "selec"')).toBe('Parser Error: syntax error at or near "selec"');
    expect(scrubErrorText('relation "analytics.vips" does not exist (SQLSTATE 42P01)')).toBe('relation "analytics.vips" does not exist (SQLSTATE 42P01)');
  });

  it("removes Postgres' key and row details", () => {
    expect(scrubErrorText('duplicate key value violates unique constraint "people_email_key" (SQLSTATE 23505); Key (email)=(jane.doe@example.com) already exists.')).toBe(
      'duplicate key value violates unique constraint "people_email_key" (SQLSTATE 23505); Key (email)=(<redacted>) already exists.',
    );
    expect(scrubErrorText('null value in column "id" violates not-null constraint; Failing row contains (null, Jane Doe, 42).')).toBe(
      'null value in column "id" violates not-null constraint; Failing row contains (<redacted>).',
    );
  });

  it("removes BigQuery's and Snowflake's offending values", () => {
    expect(scrubErrorText('Bad int64 value: Jane Doe; error in writing field email')).toBe('Bad int64 value: <redacted>; error in writing field email');
    expect(scrubErrorText(`Numeric value '${EMAIL}' is not recognized (Snowflake 100038, SQLSTATE 22018)`)).toBe(
      "Numeric value '<redacted>' is not recognized (Snowflake 100038, SQLSTATE 22018)",
    );
  });

  it('keeps the object names Snowflake single-quotes, and the paths of file-system errors', () => {
    const missing = "SQL compilation error:\nObject 'ANALYTICS.PUBLIC.NO_SUCH_TABLE' does not exist or not authorized. (Snowflake 002003)";
    expect(scrubErrorText(missing)).toBe(missing);
    expect(scrubErrorText("error line 1 at position 7 invalid identifier 'MAIL'")).toBe("error line 1 at position 7 invalid identifier 'MAIL'");
    expect(scrubErrorText("ENOENT: no such file or directory, open '/etc/pinsync/key.json'")).toBe("ENOENT: no such file or directory, open '/etc/pinsync/key.json'");
  });

  it('removes anything shaped like an email, a device id, a phone number or a digest, wherever it is', () => {
    const text = [
      `raw ${EMAIL} here`,
      'gaid 38400000-8CF0-11BD-B23E-10B96E40000D',
      'phone +1 415-555-0100 and (415) 555-0100',
      `sha256 ${'ab'.repeat(32)} sha1 ${'cd'.repeat(20)} md5 ${'ef'.repeat(16)}`,
    ].join('\n');
    expect(scrubErrorText(text)).toBe(['raw <email> here', 'gaid <device-id>', 'phone <phone> and <phone>', 'sha256 <hash> sha1 <hash> md5 <hash>'].join('\n'));
  });

  it("keeps the words, ids and positions of pinsync's own messages", () => {
    const own = [
      "sync people_sync: Pinterest's answer to PATCH customer list 549755813888 (x-pinterest-rid 9f8e7d6c5b4a3921) was 'too large'",
      'LINE 1: at character 12 in /tmp/pinsync-test-abc123/warehouse.duckdb (PID 4242), started 2026-12-02T01:36:05Z',
      'node_modules/@duckdb/node-api/lib/DuckDBConnection.js:45:12',
    ];
    own.push('Pinterest updateCustomerList (PATCH /ad_accounts/1/customer_lists/2) failed: HTTP 400, Pinterest code 1: "Invalid request: something odd"');
    const scrubbed = own.map(scrubErrorText);
    expect(scrubbed[3]).toBe(own[3]);
    expect(scrubbed[0]).toBe("sync people_sync: Pinterest's answer to PATCH customer list 549755813888 (x-pinterest-rid 9f8e7d6c5b4a3921) was '<redacted>'");
    expect(scrubbed[1]).toBe(own[1]);
    expect(scrubbed[2]).toBe(own[2]);
  });

  it('is idempotent', () => {
    const once = scrubErrorText(`Could not convert string '${EMAIL}' to INT32; Key (email)=(${EMAIL}) already exists; Input: "${EMAIL}"`);
    expect(scrubErrorText(once)).toBe(once);
  });
});

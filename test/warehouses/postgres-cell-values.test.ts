/**
 * The Postgres type parsers where no local server can show them: Redshift's own types (SUPER, VARBYTE), which
 * only a Redshift session parses, and the catalog rounds for types built on other unknown types.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { learnTypes, PostgresRecord, ReadTypes, type PgTypeRow } from '../../connectors/warehouses/postgres/postgres-cell-values.js';
import { normalizeIdentifier } from '../../core/normalize/normalize-identifier.js';

const SUPER = 4000;
const VARBYTE = 6551;
const parse = (types: ReadTypes, oid: number, text: string): unknown => (types.getTypeParser(oid, 'text') as (value: string) => unknown)(text);

describe('ReadTypes on Redshift', () => {
  it('unwraps a SUPER string like JSON (payload.email hashes like the email) and rejects SUPER objects', () => {
    const redshift = new ReadTypes(true);
    expect(parse(redshift, SUPER, '"Jane@Example.com"')).toBe('Jane@Example.com');
    expect(parse(redshift, SUPER, 'null')).toBeNull();
    expect(parse(redshift, SUPER, '12345678901234567890')).toBe('12345678901234567890');
    const object = parse(redshift, SUPER, '{"email":"x@example.com"}');
    expect(normalizeIdentifier('email', object)).toMatchObject({ status: 'rejected', reason: 'unsupported_value' });
  });

  it('reads VARBYTE (printed as bare hex) as its bytes, so a digest is prehashed', () => {
    const digest = createHash('sha256').update('jane@example.com').digest();
    const redshift = new ReadTypes(true);
    const cell = parse(redshift, VARBYTE, digest.toString('hex'));
    expect(cell).toBeInstanceOf(Uint8Array);
    expect(normalizeIdentifier('email_sha256', cell)).toEqual({ status: 'ok', hash: digest.toString('hex'), prehashed: true });
    expect(normalizeIdentifier('email_sha256', parse(redshift, VARBYTE, '00ff'))).toMatchObject({ status: 'rejected', reason: 'invalid_binary' });
  });

  it('leaves those OIDs alone on Postgres, where they are not these types', () => {
    const postgres = new ReadTypes(false);
    expect(postgres.unknown([SUPER, VARBYTE])).toEqual([SUPER, VARBYTE]);
    expect(parse(postgres, SUPER, '"x"')).toBe('"x"');
  });
});

describe('learnTypes', () => {
  it('follows an array of a domain over a composite type through the catalog, one round per level', async () => {
    const catalog = new Map<number, PgTypeRow>([
      [20001, { oid: 20001, typtype: 'b', typelem: 20002, typlen: -1, typbasetype: 0 }], // array of the domain
      [20002, { oid: 20002, typtype: 'd', typelem: 0, typlen: -1, typbasetype: 20003 }], // domain over the composite
      [20003, { oid: 20003, typtype: 'c', typelem: 0, typlen: -1, typbasetype: 0 }], // composite (value text)
    ]);
    const rounds: number[][] = [];
    const types = new ReadTypes(false);
    await learnTypes(types, [20001, 25], async (sql) => {
      const oids = [...sql.matchAll(/\d+/g)].map(Number).filter((n) => catalog.has(n));
      rounds.push(oids);
      return oids.map((oid) => ({ ...catalog.get(oid)! }));
    });
    expect(rounds).toEqual([[20001], [20002], [20003]]);
    const cell = parse(types, 20001, '{"(a@example.com)",NULL}') as unknown[];
    expect(cell[0]).toBeInstanceOf(PostgresRecord);
    expect(cell[1]).toBeNull();
    expect(types.unknown([20001, 20002, 20003])).toEqual([]);
  });
});

/**
 * Node and DuckDB must normalize every value identically (DESIGN §3): random values in bulk, every code point
 * through the Unicode macros, and the warehouse-shaped edge cases (every column type as the connector reads it, U+0000,
 * lone surrogates).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IDENTIFIER_TYPES, type IdentifierType } from '../../core/identifier-types.js';
import { normalizeIdentifier } from '../../core/normalize/normalize-identifier.js';
import { encodeOutcome } from '../../core/normalize/outcome-code.js';
import { cellKindOf } from '../../connectors/duckdb/duckdb-cell-kind.js';
import { normalizationOutcomeSql, normalizationPipelineSql } from '../../connectors/duckdb/duckdb-normalization.js';
import { DuckDbWarehouse } from '../../connectors/warehouses/duckdb/duckdb-warehouse.js';
import { identifierValue, sigmaSoup } from './identifier-arbitraries.js';
import { openNormalizeDuckDb, type NormalizeDuckDb } from './normalize-harness.js';

const EMAIL_SHAPE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

let duck: NormalizeDuckDb;
beforeAll(async () => {
  duck = await openNormalizeDuckDb();
});
afterAll(() => duck.close());

interface Mismatch {
  type: IdentifierType;
  value: string | null;
  node: string;
  duckdb: string;
}

async function mismatches(values: readonly (string | null)[]): Promise<Mismatch[]> {
  const byType = await duck.outcomesByType(IDENTIFIER_TYPES, values);
  const out: Mismatch[] = [];
  IDENTIFIER_TYPES.forEach((type, t) => {
    values.forEach((value, i) => {
      const node = encodeOutcome(normalizeIdentifier(type, value));
      const duckdb = byType[t]?.[i] as string;
      if (node !== duckdb) out.push({ type, value, node, duckdb });
    });
  });
  return out;
}

describe('Node and DuckDB agree on random values', () => {
  it('for every identifier type (fast-check, evaluated in bulk)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(identifierValue, { minLength: 700, maxLength: 700 }), async (values) => {
        expect(await mismatches(values)).toEqual([]);
      }),
      { numRuns: 10, endOnFailure: true }, // the mismatch list already names the values; shrinking 700-value arrays through DuckDB is slow
    );
  });

  it('on sigma-heavy emails', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.tuple(sigmaSoup, sigmaSoup, sigmaSoup).map(([a, b, c]) => `${a}@${b}.${c}`),
          { minLength: 500, maxLength: 500 },
        ),
        async (values) => {
          expect(await mismatches(values)).toEqual([]);
        },
      ),
      { numRuns: 2, endOnFailure: true },
    );
  });

  it('on hand-picked edge cases', async () => {
    const cases = [
      'ΑΣ.com@x.org', 'ΑΣ@x.org', 'ΣΑΣ@Σ.ΣΣ', 'Α.Σ@x.io', "Α'Σ'@x.io", 'ΑΣ\u0307@x.io', 'Α\u0345Σ@x.io', 'ʰΣ@x.io',
      'İSTANBUL@Örnek.com.tr', '\u212a@x.io', '\u212bngstr\u00f6m@x.io', '\u1c89\ua7cb@\u{10d50}.\u{16ea0}', 'a\u0000b@c.de', '\u0000',
      '\ufeffa@b.co', 'a@b.co\ufeff', 'a\ufeff@b.co', '\u0085a@b.co', 'a@b.co\u180e', '\u200ba@b.co',
      `${'a'.repeat(242)}@example.com`, `${'a'.repeat(243)}@example.com`, `${'İ'.repeat(121)}@example.com`,
      `${'😀'.repeat(121)}@example.com`, `${'😀'.repeat(120)}@example.co`, `${'é'.repeat(240)}@example.com`,
      // The limit counts code units, not graphemes: these must not pass by counting user-perceived characters.
      `${'e\u0301'.repeat(121)}@example.com`, `${'e\u0301'.repeat(125)}@example.com`, `${'👩‍👩‍👧'.repeat(30)}@x.com`,
      '00000000-0000-0000-0000-000000000000 ', '00000000-0000-0000-0000-00000000000K',
      'E621E1F8-C36C-495A-93FC-0C247A3E6E5F', 'E621E1F8-C36C-495A-93FC-0C247A3E6E5\u212a',
      '6D1DB9FF40D653B409CDA4C3EC45E5D7', '\u30006d1db9ff40d653b409cda4c3ec45e5d7\u2028', '1'.repeat(40),
      '1'.repeat(32), 'f'.repeat(63), 'F'.repeat(64), 'f'.repeat(65), ' '.repeat(300), null, '',
    ];
    expect(await mismatches(cases)).toEqual([]);
  });
});

function hexCp(cp: number): string {
  return `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
}

function* allCodePoints(): Generator<number> {
  for (let cp = 0; cp <= 0x10ffff; cp++) if (cp < 0xd800 || cp > 0xdfff) yield cp;
}

// Final_Sigma needs a capture-group regexp_replace (~5 us a row), too slow for 1.1M rows: the context check covers
// the BMP, every supplementary code point that is cased or case-ignorable, and their neighbours (range edges).
function sigmaContextCodePoints(): number[] {
  const relevant = /[\p{Cased}\p{Case_Ignorable}]/u;
  const out = new Set<number>();
  for (const cp of allCodePoints()) {
    if (cp < 0x10000) out.add(cp);
    else if (relevant.test(String.fromCodePoint(cp))) for (const n of [cp - 1, cp, cp + 1]) if (n <= 0x10ffff) out.add(n);
  }
  return [...out].sort((a, b) => a - b);
}

describe('every code point', () => {
  it('lowercases, trims and matches \\s in DuckDB exactly as in Node', async () => {
    // '|' prefixes the results because the node client's TextDecoder drops a leading U+FEFF.
    const reader = await duck.conn.runAndReadAll(`
      SELECT '|' || pinsync_js_lower_v1(c) AS lowered,
             '|' || pinsync_js_trim_v1(c || 'x' || c) AS trimmed,
             pinsync_js_email_shape_v1('a' || c || 'b@c.d') AS shape
      FROM (SELECT cp, chr(cp::INTEGER) AS c FROM range(0, 1114112) t(cp) WHERE cp < 55296 OR cp > 57343)
      ORDER BY cp`);
    const [lowered, trimmed, shape] = reader.getColumns() as [string[], string[], boolean[]];
    const bad: string[] = [];
    let row = 0;
    for (const cp of allCodePoints()) {
      const c = String.fromCodePoint(cp);
      if (lowered[row] !== '|' + c.toLowerCase()) bad.push(`${hexCp(cp)} lower`);
      if (trimmed[row] !== '|' + `${c}x${c}`.trim()) bad.push(`${hexCp(cp)} trim`);
      if (shape[row] !== EMAIL_SHAPE.test(`a${c}b@c.d`)) bad.push(`${hexCp(cp)} \\s`);
      row++;
    }
    expect(row).toBe(lowered.length);
    expect(bad).toEqual([]);
  });

  it('decides Final_Sigma in DuckDB exactly as in Node, before and after each code point', async () => {
    const cps = sigmaContextCodePoints();
    await duck.conn.run('CREATE OR REPLACE TEMP TABLE sigma_cps (cp INTEGER)');
    const appender = await duck.conn.createAppender('sigma_cps', 'main', 'temp');
    for (const cp of cps) {
      appender.appendInteger(cp);
      appender.endRow();
    }
    appender.closeSync();
    // Four contexts per code point, space-separated: a space is neither cased nor case-ignorable, so they stay apart.
    const reader = await duck.conn.runAndReadAll(`
      SELECT '|' || pinsync_js_lower_v1(c || 'Σ A' || c || 'Σ AΣ' || c || ' AΣ' || c || 'B') AS lowered
      FROM (SELECT cp, chr(cp) AS c FROM temp.sigma_cps) ORDER BY cp`);
    const [lowered] = reader.getColumns() as [string[]];
    const bad: string[] = [];
    cps.forEach((cp, row) => {
      const c = String.fromCodePoint(cp);
      if (lowered[row] !== '|' + `${c}Σ A${c}Σ AΣ${c} AΣ${c}B`.toLowerCase()) bad.push(hexCp(cp));
    });
    expect(cps.length).toBeGreaterThan(65_000);
    expect(bad).toEqual([]);
  });
});

describe('values a warehouse can produce', () => {
  it('U+0000 survives the round trip into DuckDB', async () => {
    const reader = await duck.conn.runAndReadAll('SELECT hex($1::VARCHAR) AS h', ['a\u0000b@c.de']);
    expect(reader.getRows()[0]?.[0]).toBe('61006240632E6465');
  });

  it('lone surrogates (never in valid UTF-8) reach DuckDB as U+FFFD and still normalize alike', async () => {
    const reader = await duck.conn.runAndReadAll('SELECT $1::VARCHAR = chr(65533) || \'a@b.co\' AS same', ['\ud800a@b.co']);
    expect(reader.getRows()[0]?.[0]).toBe(true);
    expect(await mismatches(['\ud800a@b.co', 'a\udfff@b.co', '\ud83d'])).toEqual([]);
  });

  it('typed columns: the SQL outcome is the outcome of the cell the DuckDB connector hands over, for every type', async () => {
    const digest = "unhex(sha256('digest@example.com'))";
    const columns = [
      '42::INTEGER', '-7::BIGINT', '12345678901234567890123456789012::HUGEINT', '1234567890123456789012345678901::HUGEINT',
      '12345678901234567890123456789012::UHUGEINT', '1e20::DOUBLE', '1e21::DOUBLE', '1e-7::DOUBLE', '(-0.0)::DOUBLE',
      "'nan'::DOUBLE", "'-inf'::DOUBLE", '3.3::FLOAT', '100::DECIMAL(10,2)', '12345678901234567890123456789012::DECIMAL(38,0)',
      '9007199254740993::DECIMAL(38,0)', '-98765432109876543210987654321098765432::DECIMAL(38,0)', '(-0.05)::DECIMAL(4,3)',
      'true', "DATE '2024-01-02'", "TIMESTAMP '2024-01-02 03:04:05'", "'infinity'::DATE", "'e621e1f8-c36c-495a-93fc-0c247a3e6e5f'::UUID",
      "'00000000-0000-0000-0000-000000000000'::UUID", "INTERVAL '1 day 2 hours'", "TIME '01:02:03'", "'01:02:03+05'::TIMETZ",
      `'${'0110'.repeat(16)}'::BIT`, "'a@b.co'::ENUM('a@b.co', 'x')",
      // BLOB: a 32-byte digest, 16 bytes, no bytes, and text as bytes (still no text)
      digest, "'\\x61\\x40\\x62\\x2E\\x63\\x6F'::BLOB", "''::BLOB", "'\\xC3\\xA9\\x40\\x62\\x2E\\x63\\x6F'::BLOB",
      "unhex(repeat('ab', 16))",
      // JSON: strings unwrapped (escapes included), null empty, numbers and booleans as written, containers nested
      `'"JSON.Email@Example.com"'::JSON`, `' "  padded@example.com\\t" '::JSON`, `'"\\u00e9t\\u00e9@exemple.fr"'::JSON`,
      `'"\\ud83d\\ude00@x.io"'::JSON`, `'"${'AB'.repeat(32)}"'::JSON`, `'"e621e1f8-c36c-495a-93fc-0c247a3e6e5f"'::JSON`,
      `'null'::JSON`, `'42'::JSON`, `'12345678901234567890123456789012'::JSON`, `' 1e2 '::JSON`, `'true'::JSON`, `'NaN'::JSON`,
      `'{"email":"x@example.com"}'::JSON`, `'["a@example.com"]'::JSON`, `'[1,]'::JSON`, `'""'::JSON`,
      // nested values, never one identifier however few elements they hold
      "['arr@example.com']", '[]::VARCHAR[]', "[NULL]::VARCHAR[]", "{'value': 'struct@example.com'}", "MAP {'k': 'm@example.com'}",
      "['a@b.co', 'c@d.co']::VARCHAR[2]", "union_value(s := 'u@example.com')::UNION(s VARCHAR, n INTEGER)",
      "union_value(n := NULL::INTEGER)::UNION(s VARCHAR, n INTEGER)", `['"x@example.com"'::JSON]`, `[${digest}]`,
      // VARIANT: decided per value
      "'variant@example.com'::VARIANT", "['v@example.com']::VARIANT", "{'value': 'v@example.com'}::VARIANT",
      `${digest}::VARIANT`, "'\\xAB'::BLOB::VARIANT", '12345678901234567890123456789012::DECIMAL(38,0)::VARIANT',
      "'e621e1f8-c36c-495a-93fc-0c247a3e6e5f'::UUID::VARIANT", 'NULL::VARIANT', `'"json@example.com"'::JSON::VARIANT`,
      'NULL::JSON', 'NULL::BLOB', 'NULL::VARCHAR[]',
    ];
    const select = columns.map((c, i) => `${c} AS c${i}`).join(', ');
    const warehouse = new DuckDbWarehouse({ path: ':memory:', threads: 1 });
    const cells: unknown[] = [];
    try {
      for await (const batch of warehouse.read({ sql: `SELECT ${select}`, syncName: 'agreement', batchSize: 10 })) {
        cells.push(...batch.columns.map((column) => column[0]));
      }
    } finally {
      await warehouse.close();
    }
    expect(cells).toHaveLength(columns.length);
    const prepared = await duck.conn.prepare(`SELECT ${select}`);
    const kinds = columns.map((_, i) => cellKindOf(prepared.columnType(i)));
    prepared.destroySync();
    const differences: string[] = [];
    for (const type of IDENTIFIER_TYPES) {
      const pipeline = normalizationPipelineSql(
        columns.map((_, i) => ({ expr: `c${i}`, type, kind: kinds[i] })),
        `(SELECT ${select})`,
      );
      const viaPipeline = (await duck.conn.runAndReadAll(pipeline)).getRows()[0] ?? [];
      // The one-expression form too, but not for email: there it expands the Unicode lowercase per column and
      // takes seconds to bind, which is why the pipeline computes it in a layer of its own.
      const single = columns.map((_, i) => normalizationOutcomeSql(type, `c${i}`, kinds[i])).join(', ');
      const viaExpression = type === 'email' ? viaPipeline : ((await duck.conn.runAndReadAll(`SELECT ${single} FROM (SELECT ${select})`)).getRows()[0] ?? []);
      columns.forEach((column, i) => {
        const node = encodeOutcome(normalizeIdentifier(type, cells[i]));
        if (viaPipeline[i] !== node) differences.push(`${type} ${column}: pipeline ${String(viaPipeline[i])} vs connector ${node}`);
        if (viaExpression[i] !== node) differences.push(`${type} ${column}: expression ${String(viaExpression[i])} vs connector ${node}`);
      });
    }
    expect(differences).toEqual([]);
    // The cases that matter most, outcome by outcome: a JSON email unwrapped, a digest as its hex, nested rejected.
    const at = (expr: string) => cells[columns.indexOf(expr)];
    expect(at(`'"JSON.Email@Example.com"'::JSON`)).toBe('JSON.Email@Example.com');
    expect(normalizeIdentifier('email_sha256', at(digest))).toMatchObject({ status: 'ok', prehashed: true });
    expect(at('9007199254740993::DECIMAL(38,0)')).toBe('9007199254740993');
    expect(normalizeIdentifier('email', at("['arr@example.com']"))).toEqual({ status: 'rejected', reason: 'unsupported_value' });
  });
});

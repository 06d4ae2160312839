/**
 * sql/postgres/normalize-*.sql against core/normalize on the run's real PostgreSQL, in a database per LC_CTYPE
 * kind: C (Postgres lower() folds ASCII only), a glibc UTF-8 locale and ICU (each folds Unicode its own way). The
 * functions must not care: every golden vector, every code point's lowercase, trim and email-shape class, and
 * random values from the shared arbitraries must give Node's outcome in each.
 */
import { createHash, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSql, renderSql, splitStatements } from '../../connectors/sql-files.js';
import { IDENTIFIER_TYPES, type IdentifierType } from '../../core/identifier-types.js';
import { decodeOutcome, encodeOutcome } from '../../core/normalize/outcome-code.js';
import { normalizeIdentifier } from '../../core/normalize/normalize-identifier.js';
import type { NormalizeOutcome } from '../../core/normalize/normalize-outcome.js';
import { pgAdmin, pgTestUrl } from '../warehouses/postgres-target.js';
import { identifierValue, JS_WHITESPACE, sigmaSoup } from './identifier-arbitraries.js';
import { readVectors, type IdentifierVector } from './normalize-harness.js';

const SCHEMA = 'pinsync_planner';
const suffix = randomBytes(4).toString('hex');

/** One database to run the functions in. */
interface LocaleDb {
  /** What the database's locale is, for test names. */
  label: string;
  /** The locale clauses of CREATE DATABASE. */
  clauses: string;
}

const DATABASES: LocaleDb[] = [
  { label: 'C', clauses: "LC_COLLATE 'C' LC_CTYPE 'C'" },
  { label: 'C.UTF-8 (glibc)', clauses: "LOCALE_PROVIDER libc LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'" },
  { label: 'ICU und', clauses: "LOCALE_PROVIDER icu ICU_LOCALE 'und' LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'" },
];

const clients = new Map<string, pg.Client>();
const unavailable = new Map<string, string>();
const created: string[] = [];
let admin: pg.Client;

function dbName(i: number): string {
  return `pinsync_norm_${i}_${suffix}`;
}

beforeAll(async () => {
  admin = await pgAdmin();
  const base = new URL(pgTestUrl());
  await Promise.all(
    DATABASES.map(async (db, i) => {
      try {
        await admin.query(`CREATE DATABASE ${dbName(i)} ${db.clauses} TEMPLATE template0 ENCODING 'UTF8'`);
      } catch (err) {
        // A server built without ICU, or an OS without the C.UTF-8 locale: said in the skipped test's output.
        unavailable.set(db.label, (err as Error).message);
        return;
      }
      created.push(dbName(i));
      const url = new URL(base);
      url.pathname = `/${dbName(i)}`;
      const client = new pg.Client({ connectionString: url.toString(), application_name: 'pinsync-test-normalize' });
      await client.connect();
      clients.set(db.label, client);
      await client.query(`CREATE SCHEMA ${SCHEMA}`);
      for (const file of ['normalize-unicode-v1', 'normalize-v1']) {
        for (const statement of splitStatements(renderSql(loadSql('postgres', file), { schema: SCHEMA }))) {
          await client.query(statement);
        }
      }
    }),
  );
}, 30_000);

afterAll(async () => {
  await Promise.all([...clients.values()].map((c) => c.end()));
  for (const name of created) await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.end();
});

// The vectors omit `prehashed` for values pinsync hashes itself.
function expected(v: IdentifierVector): NormalizeOutcome {
  if (v.status === 'ok') return { status: 'ok', hash: v.hash as string, prehashed: v.prehashed ?? false };
  if (v.status === 'empty') return { status: 'empty' };
  return { status: 'rejected', reason: v.reason as never };
}

/** Per value: the outcome for each type (IDENTIFIER_TYPES order), then JS trim and JS lowercase of the raw value. */
async function evaluate(client: pg.Client, values: readonly (string | null)[]): Promise<string[][]> {
  const cols = IDENTIFIER_TYPES.map((t) => `${SCHEMA}.pinsync_normalize_v1(v, '${t}')`);
  const { rows } = await client.query<{ r: string[] }>({
    text: `SELECT ARRAY[${cols.join(', ')}, ${SCHEMA}.pinsync_js_trim_v1(v), ${SCHEMA}.pinsync_js_lower_v1(v)] AS r
             FROM unnest($1::text[]) WITH ORDINALITY AS x(v, i) ORDER BY i`,
    values: [values],
  });
  return rows.map((row) => row.r);
}

function nodeRow(value: string | null): (string | null)[] {
  return [
    ...IDENTIFIER_TYPES.map((t: IdentifierType) => encodeOutcome(normalizeIdentifier(t, value))),
    value === null ? null : value.trim(),
    value === null ? null : value.toLowerCase(),
  ];
}

// Postgres text cannot hold U+0000 (no Postgres column can hand one over), so generated values drop it.
const pgValue = identifierValue.map((v) => (v === null ? null : v.replaceAll('\u0000', '')));
const sigmaValue = fc
  .tuple(sigmaSoup, sigmaSoup, fc.constantFrom('', ...JS_WHITESPACE))
  .map(([a, b, ws]) => `${ws}${a}@${b}.c${ws}`);

/** Node's answers for every code point but U+0000 and the surrogates, computed once for the three databases. */
interface CodePointAnswers {
  /** Each code point as a string, in order. */
  chars: string[];
  /** Their JS lowercases. */
  lowered: string[];
  /** The code points JS trim removes. */
  spaces: number[];
  /** md5 of '1'/'0' per code point: does 'a' + c + '@b.c' have the email shape? */
  shaped: string;
}
let codePointAnswers: CodePointAnswers | undefined;
function nodeCodePointAnswers(): CodePointAnswers {
  if (codePointAnswers) return codePointAnswers;
  const email = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
  const chars: string[] = [];
  const spaces: number[] = [];
  let shape = '';
  for (let cp = 1; cp <= 0x10ffff; cp++) {
    if (cp >= 0xd800 && cp <= 0xdfff) continue;
    const c = String.fromCodePoint(cp);
    chars.push(c);
    if (c.trim() === '') spaces.push(cp);
    shape += email.test(`a${c}@b.c`) ? '1' : '0';
  }
  const shaped = createHash('md5').update(shape).digest('hex');
  codePointAnswers = { chars, lowered: chars.map((c) => c.toLowerCase()), spaces, shaped };
  return codePointAnswers;
}

// Always run: backslashes and octal-looking text (the hash reads the bytes through decode(..., 'escape')), letters
// from every part of the split translate() table together, and Final_Sigma next to expanding U+0130.
const FIXED_CASES: (string | null)[] = [
  'a\\b@c.de', '\\123@x.yz', '\\\\@\\.\\', 'Ünïcödé@Ëxample.com', 'ΣΑΣ@ΣΑΣ.ΣΑΣ', 'ÀΣİ@ꭰ𐐀.Ⓐ',
  'İΣ@b.c', 'AİΣ@b.c', 'ÉÉ\u0307Σ\u0307@Ꭰ.𞤀', 'Dž@Ω.K', null, '', '\u3000\ufeff', 'E621E1F8-C36C-495A-93FC-0C247A3E6E5F',
];

describe.each(DATABASES.map((db) => [db.label]))('Postgres normalization SQL in a %s database', (label) => {
  function clientOrSkip(ctx: { skip: (note?: string) => void }): pg.Client {
    const client = clients.get(label);
    if (!client) ctx.skip(`database not creatable on this server: ${unavailable.get(label) ?? 'unknown'}`);
    return client as pg.Client;
  }

  it("runs in a database whose own lower() is not JS's (what the functions must not rely on)", async (ctx) => {
    const client = clientOrSkip(ctx);
    const { rows } = await client.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM generate_series(128, 131071) AS cp
        WHERE (cp < 55296 OR cp > 57343) AND lower(chr(cp)) <> ${SCHEMA}.pinsync_js_lower_v1(chr(cp))`,
    );
    expect(rows[0]!.n).toBeGreaterThan(0);
  });

  it('gives every golden vector its outcome and hash', async (ctx) => {
    const client = clientOrSkip(ctx);
    const vectors = readVectors();
    const { rows } = await client.query<{ o: string }>({
      text: `SELECT ${SCHEMA}.pinsync_normalize_v1(v, t) AS o
               FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS x(v, t, i) ORDER BY i`,
      values: [vectors.map((v) => v.input), vectors.map((v) => v.type)],
    });
    const label = (v: IdentifierVector) => `${v.type} ${JSON.stringify(v.input)}`;
    expect(rows.map((r, i) => [label(vectors[i]!), decodeOutcome(r.o)])).toEqual(vectors.map((v) => [label(v), expected(v)]));
  });

  it('lowercases, trims and email-matches every code point like Node', async (ctx) => {
    const client = clientOrSkip(ctx);
    // One string per check, code points in order. U+0001 separates the lowercases (nothing else lowercases to it,
    // and it is left out), so equal strings mean an equal lowercase for every code point.
    const { rows } = await client.query<{ lowered: string; spaces: number[]; shaped: string }>(
      `SELECT string_agg(${SCHEMA}.pinsync_js_lower_v1(chr(cp)), chr(1) ORDER BY cp) FILTER (WHERE cp > 1) AS lowered,
              array_agg(cp ORDER BY cp) FILTER (WHERE ${SCHEMA}.pinsync_js_trim_v1(chr(cp)) = ''
                OR ${SCHEMA}.pinsync_js_trim_v1('x' || chr(cp) || 'x') <> 'x' || chr(cp) || 'x') AS spaces,
              md5(string_agg(CASE WHEN ${SCHEMA}.pinsync_js_email_shape_v1('a' || chr(cp) || '@b.c') THEN '1' ELSE '0' END, '' ORDER BY cp)) AS shaped
         FROM generate_series(1, 1114111) AS cp WHERE cp < 55296 OR cp > 57343`,
    );
    const node = nodeCodePointAnswers();
    const got = rows[0]!.lowered.split('\u0001');
    const wrong = node.chars.slice(1).filter((c, i) => got[i] !== node.lowered[i + 1]);
    expect(wrong.slice(0, 20).map((c) => `U+${(c.codePointAt(0) as number).toString(16)}`)).toEqual([]);
    expect(got).toHaveLength(node.chars.length - 1);
    expect(rows[0]!.spaces).toEqual(node.spaces);
    expect(rows[0]!.shaped).toBe(node.shaped);
  });

  it('agrees with Node on random values (astral, combining marks, whitespace, Final_Sigma contexts)', async (ctx) => {
    const client = clientOrSkip(ctx);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof({ weight: 4, arbitrary: pgValue }, { weight: 1, arbitrary: sigmaValue }), { minLength: 1, maxLength: 200 }), async (values) => {
        const got = await evaluate(client, values);
        expect(got).toEqual(values.map(nodeRow));
      }),
      { numRuns: 150, examples: [[FIXED_CASES]] },
    );
  });
});

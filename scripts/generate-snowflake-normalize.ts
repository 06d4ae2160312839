/**
 * Generates `sql/snowflake/normalize-unicode-v1.sql`: Snowflake SQL UDFs that trim, lowercase and whitespace-match
 * exactly like this Node runtime's `String.prototype.trim`, `toLowerCase` and regex `\s`.
 *
 * The tables are the ones the Postgres generator derives (derivePostgresUnicodeTables: every code point asked of
 * Node, with the assumptions the SQL relies on checked), written in Snowflake SQL: Snowflake's own LOWER() (its
 * Unicode tables, or a collation's), TRIM() without a character set (spaces only) and the regex `\s` are never
 * used. The committed file must equal what this script renders; `test/normalize/snowflake-unicode-sql-fresh.test.ts`
 * re-derives it and fails when Node's Unicode changed.
 *
 * Usage: `npx tsx scripts/generate-snowflake-normalize.ts` (rewrites the file) or `--check` (exit 1 when stale).
 */
import { fileURLToPath, pathToFileURL } from 'node:url';
import { derivePostgresUnicodeTables, type PostgresUnicodeTables } from './generate-postgres-normalize.js';
import { assertNulIsInert, CAPITAL_SIGMA, codePointRanges, hex, MAX_CODE_POINT, writeOrCheckGenerated } from './js-unicode-classes.js';

export const SNOWFLAKE_UNICODE_SQL_FILE = fileURLToPath(new URL('../sql/snowflake/normalize-unicode-v1.sql', import.meta.url));

// The same blocks as the Postgres translate() split: a Latin text only scans the Latin table.
const TRANSLATE_GROUPS: ReadonlyArray<[number, number]> = [
  [0x80, 0x2ff],
  [0x300, 0x5ff],
  [0x600, 0x1fff],
  [0x2000, 0xffff],
  [0x10000, MAX_CODE_POINT],
];

const FIRST_SUPPLEMENTARY = 0x10000;

/**
 * A Snowflake string expression built from pieces: SQL-escaped text, and code points written as `\uXXXX` inside
 * the literal or, past the BMP (which a Snowflake string escape cannot reach), as `CHR(n)` concatenated in.
 */
class SnowflakeString {
  private readonly parts: Array<string | number> = [];

  /** Appends characters as themselves (ASCII regex syntax and the like); `\` and `'` are escaped for the literal. */
  text(s: string): this {
    this.parts.push(s.replace(/\\/g, '\\\\').replace(/'/g, "\\'"));
    return this;
  }

  /** Appends one code point. */
  cp(cp: number): this {
    this.parts.push(cp < FIRST_SUPPLEMENTARY ? `\\u${hex(cp)}` : cp);
    return this;
  }

  /** Appends every code point of `cps`. */
  cps(cps: readonly number[]): this {
    for (const c of cps) this.cp(c);
    return this;
  }

  /** Appends a regex bracket body for sorted code points (ranges `a-b`); refuses a class Snowflake would misread. */
  ranges(cps: readonly number[], negated = false): this {
    codePointRanges(cps).forEach(([a, b], i) => {
      // `\ [ ] -` as a literal endpoint would change the bracket's meaning; `^` only when it comes first.
      for (const end of [a, b]) {
        if ([0x5c, 0x5b, 0x5d, 0x2d].includes(end) || (end === 0x5e && i === 0 && !negated)) {
          throw new Error(`U+${hex(end)} cannot be written literally in a Snowflake bracket expression`);
        }
      }
      this.cp(a);
      if (b !== a) this.text('-').cp(b);
    });
    return this;
  }

  /**
   * The SQL: one literal, or `CONCAT('...', CHR(n), '...')` wrapped every ~100 characters. CONCAT rather than a
   * chain of `||`, which nests one level per piece (hundreds for the Final_Sigma classes).
   */
  sql(indent = '        '): string {
    const chunks: string[] = [];
    let literal = '';
    const flush = () => {
      if (literal !== '') chunks.push(`'${literal}'`);
      literal = '';
    };
    let previous: string | number = '';
    for (const part of this.parts) {
      if (typeof part === 'number') {
        flush();
        chunks.push(`CHR(${part})`);
      } else {
        // Wrap between class elements, never inside a range `a-b`.
        if (literal.length >= 96 && part !== '-' && previous !== '-') flush();
        literal += part;
      }
      previous = part;
    }
    flush();
    if (chunks.length === 0) return "''";
    if (chunks.length === 1) return chunks[0] as string;
    const lines: string[] = [];
    let line = '';
    for (const chunk of chunks) {
      if (line !== '' && line.length + chunk.length > 100) {
        lines.push(line);
        line = '';
      }
      line += line === '' ? chunk : `, ${chunk}`;
    }
    lines.push(line);
    return `CONCAT(${lines.join(`,\n${indent}`)})`;
  }
}

const str = () => new SnowflakeString();

// Nested TRANSLATE()s, innermost first; a part whose letters are not in s gets empty tables, which TRANSLATE passes
// through, so the inner expression is written and evaluated once (as in the Postgres file).
function groupedTranslate(groups: ReadonlyArray<Array<[number, number]>>, inner: string): string {
  let expr = inner;
  for (const g of groups) {
    if (g.length === 0) continue;
    const from = g.map(([f]) => f);
    const test = `REGEXP_COUNT(s, ${str().text('[').ranges(from).text(']').sql()}) > 0`;
    expr = `TRANSLATE(${expr},
      CASE WHEN ${test}
        THEN ${str().cps(from).sql()} ELSE '' END,
      CASE WHEN ${test}
        THEN ${str().cps(g.map(([, l]) => l)).sql()} ELSE '' END)`;
  }
  return expr;
}

/** The text of `sql/snowflake/normalize-unicode-v1.sql` for the given tables. */
export function renderSnowflakeUnicodeSql(t: PostgresUnicodeTables): string {
  let expanded = 's';
  for (const [from, to] of t.expansions) expanded = `REPLACE(${expanded}, ${str().cp(from).sql()}, ${str().cps(to).sql()})`;
  const nonAscii = t.translate.filter(([f]) => f > 0x7f);
  const ascii = t.translate.filter(([f]) => f <= 0x7f);
  const asciiFrom = String.fromCodePoint(...ascii.map(([f]) => f));
  const asciiTo = String.fromCodePoint(...ascii.map(([, l]) => l));
  if (!/^[A-Z]+$/.test(asciiFrom) || !/^[a-z]+$/.test(asciiTo)) throw new Error('ASCII lowercase is not A-Z to a-z');
  const upperSet = [...nonAscii.map(([f]) => f), ...t.expansions.map(([f]) => f)].sort((x, y) => x - y);
  const groups = TRANSLATE_GROUPS.map(([lo, hi]) => nonAscii.filter(([f]) => f >= lo && f <= hi));
  if (groups.reduce((n, g) => n + g.length, 0) !== nonAscii.length) throw new Error('translate groups miss code points');
  const asciiLower = `'${asciiFrom}', '${asciiTo}'`;
  const sigmaPattern = str()
    .text('([').ranges(t.cased).text('][').ranges(t.caseIgnorable).text(']*)')
    .cp(CAPITAL_SIGMA)
    .text('([').ranges(t.caseIgnorable).text(']*)([^')
    .ranges([...t.cased, ...t.caseIgnorable].sort((x, y) => x - y), true)
    .text(']|$)')
    .sql('      ');
  const supplementary = str().text('[').cp(FIRST_SUPPLEMENTARY).text('-').cp(MAX_CODE_POINT).text(']').sql();
  return `-- GENERATED by scripts/generate-snowflake-normalize.ts from Node's String.prototype.toLowerCase, trim and \\s
-- (Unicode ${t.unicodeVersion}). Do not edit: rerun \`npx tsx scripts/generate-snowflake-normalize.ts\`.
-- test/normalize/snowflake-unicode-sql-fresh.test.ts fails when this file no longer matches the Node in use.
--
-- {{schema}} is the schema the functions are created in (SCHEMA or DB.SCHEMA, parts quoted where needed);
-- normalize-v1.sql builds on these. What Snowflake would do differently on its own, and is therefore never used:
-- LOWER() follows Snowflake's Unicode tables (or a column's collation), TRIM(s) without a set strips spaces only,
-- and the regex \\s is not JS's \\s. Every set below is spelled out from Node instead, and every pattern is matched
-- by code point (all of Snowflake's regex functions count a Unicode character as one character). Snowflake string
-- escapes stop at \\uFFFF, so code points past the BMP are CHR(n) pieces of a CONCAT; the file stays ASCII. No
-- bracket expression holds \\ [ ] or - literally (checked by the generator), so each reads the same as POSIX ERE
-- and as RE2. The bodies are $$-quoted: the '...' literals inside are parsed, escapes and all, when the function
-- is created.

-- JS String.prototype.trim: strips ECMAScript WhiteSpace and LineTerminator (${t.whitespace.length} code points).
CREATE OR REPLACE FUNCTION {{schema}}.pinsync_js_trim_v1(s VARCHAR) RETURNS VARCHAR LANGUAGE SQL IMMUTABLE AS $$
  TRIM(s, ${str().cps(t.whitespace).sql()})
$$;

-- JS /^[^\\s@]+@[^\\s@]+\\.[^\\s@]+$/: no JS whitespace anywhere (TRANSLATE deletes it; nothing deleted means none),
-- then an ASCII-only pattern, which reads the same whatever the engine's Unicode (REGEXP_LIKE anchors both ends).
CREATE OR REPLACE FUNCTION {{schema}}.pinsync_js_email_shape_v1(s VARCHAR) RETURNS BOOLEAN LANGUAGE SQL IMMUTABLE AS $$
  LENGTH(TRANSLATE(s, ${str().cps(t.whitespace).sql()}, '')) = LENGTH(s)
    AND REGEXP_LIKE(s, '[^@]+@[^@]+\\\\.[^@]+')
$$;

-- How many code points lie past the BMP: each is two UTF-16 code units where LENGTH counts one.
CREATE OR REPLACE FUNCTION {{schema}}.pinsync_supplementary_count_v1(s VARCHAR) RETURNS NUMBER LANGUAGE SQL IMMUTABLE AS $$
  REGEXP_COUNT(s, ${supplementary})
$$;

-- JS toLowerCase's Final_Sigma rule: a capital sigma preceded by a cased letter (skipping case-ignorables) and not
-- followed by case-ignorables then a cased letter becomes final sigma (U+03C2). The context is matched and put back
-- (\\1 \\2 \\3) rather than looked around, as in the Postgres and DuckDB SQL; the trailing context never holds a cased
-- letter, so consuming it cannot hide the next sigma's leading context. Either match rule (POSIX leftmost-longest,
-- Perl leftmost-first) finds the same matches here: each part of the pattern can only stop where it does.
CREATE OR REPLACE FUNCTION {{schema}}.pinsync_final_sigma_v1(s VARCHAR) RETURNS VARCHAR LANGUAGE SQL IMMUTABLE AS $$
  REGEXP_REPLACE(s,
    ${sigmaPattern},
    '\\\\1\\u03C2\\\\2\\\\3')
$$;

-- JS toLowerCase. Text without a non-ASCII capital needs only A-Z folded, which TRANSLATE does whatever Snowflake's
-- Unicode version. Otherwise: the expansions (${t.expansions.map(([f]) => `U+${hex(f)}`).join(', ') || 'none'}) first, then Final_Sigma where there is a capital
-- sigma (the expansions never change a character's cased or case-ignorable class, which the generator checks),
-- then A-Z and the ${nonAscii.length} non-ASCII single-code-point lowercases, split by block so a Latin text scans
-- ${groups[0]?.length ?? 0} entries (every remaining capital sigma becomes U+03C3). No lowercase is itself lowercased again (checked by the
-- generator), so the parts never interact.
CREATE OR REPLACE FUNCTION {{schema}}.pinsync_js_lower_v1(s VARCHAR) RETURNS VARCHAR LANGUAGE SQL IMMUTABLE AS $$
  CASE WHEN REGEXP_COUNT(s, ${str().text('[').ranges(upperSet).text(']').sql()}) = 0
      THEN TRANSLATE(s, ${asciiLower})
    ELSE ${groupedTranslate(groups, `TRANSLATE(
      CASE WHEN CONTAINS(s, ${str().cp(CAPITAL_SIGMA).sql()}) THEN {{schema}}.pinsync_final_sigma_v1(${expanded})
        ELSE ${expanded} END, ${asciiLower})`)}
    END
$$;
`;
}

/** Renders the file from this Node. */
export function generateSnowflakeUnicodeSql(): string {
  assertNulIsInert();
  return renderSnowflakeUnicodeSql(derivePostgresUnicodeTables());
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await writeOrCheckGenerated(SNOWFLAKE_UNICODE_SQL_FILE, generateSnowflakeUnicodeSql, 'scripts/generate-snowflake-normalize.ts');
}

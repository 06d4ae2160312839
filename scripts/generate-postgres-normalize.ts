/**
 * Generates `sql/postgres/normalize-unicode-v1.sql`: PostgreSQL functions that trim, lowercase and whitespace-match
 * exactly like this Node runtime's `String.prototype.trim`, `toLowerCase` and regex `\s`.
 *
 * Unlike the DuckDB generator (scripts/generate-duckdb-lowercase.ts), Postgres' own Unicode `lower()` is never
 * consulted: its result depends on the database's LC_CTYPE (C folds ASCII only, a glibc UTF-8 locale follows glibc's
 * Unicode, ICU its own), so no table derived from one server could be trusted on another. The generated SQL does the
 * whole lowercase itself: `lower(x COLLATE "C")` for A-Z (the same on every server), `translate()` with every other
 * single-code-point JS lowercase, `replace()` for the ones that expand (U+0130), and a regex for Final_Sigma. The committed file must equal what this script
 * renders; `test/normalize/postgres-unicode-sql-fresh.test.ts` re-derives it and fails when Node's ICU changed.
 *
 * Usage: `npx tsx scripts/generate-postgres-normalize.ts` (rewrites the file) or `--check` (exit 1 when stale).
 */
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CAPITAL_SIGMA, codePoints, deriveSigmaClasses, hex, MAX_CODE_POINT , writeOrCheckGenerated } from './js-unicode-classes.js';

export const POSTGRES_UNICODE_SQL_FILE = fileURLToPath(new URL('../sql/postgres/normalize-unicode-v1.sql', import.meta.url));


/** Everything the generated SQL encodes, all derived from Node. */
export interface PostgresUnicodeTables {
  /** Unicode version of the Node runtime the tables came from (`process.versions.unicode`). */
  unicodeVersion: string;
  /** Code points JS `\s` matches, which are exactly those `String.prototype.trim` removes. */
  whitespace: number[];
  /** Cased letters that end a Final_Sigma look-around (ICU: cased and not case-ignorable). */
  cased: number[];
  /** Case-ignorable code points that Final_Sigma skips over. */
  caseIgnorable: number[];
  /** Every code point whose JS lowercase is one other code point (ASCII included), with that lowercase. */
  translate: Array<[from: number, to: number]>;
  /** Code points whose JS lowercase is several code points, with that lowercase. */
  expansions: Array<[from: number, to: number[]]>;
}

// Postgres text cannot hold U+0000 and is valid UTF-8, so neither NUL nor lone surrogates can reach the SQL.
/** Asks Node for every table the generated SQL needs, checking the assumptions the SQL relies on. */
export function derivePostgresUnicodeTables(): PostgresUnicodeTables {
  const whitespace: number[] = [];
  const translate: Array<[number, number]> = [];
  const expansions: Array<[number, number[]]> = [];
  for (const cp of codePoints(1)) {
    const c = String.fromCodePoint(cp);
    const isSpace = /\s/.test(c);
    if (isSpace !== (('x' + c).trim() === 'x' && (c + 'x').trim() === 'x')) {
      throw new Error(`U+${hex(cp)}: /\\s/ and String.prototype.trim disagree`);
    }
    if (isSpace) whitespace.push(cp);
    const l = c.toLowerCase();
    // Only Final_Sigma depends on the neighbours; anything else would need more than translate().
    if (cp !== CAPITAL_SIGMA && (('A' + c).toLowerCase() !== 'a' + l || (c + 'A').toLowerCase() !== l + 'a')) {
      throw new Error(`U+${hex(cp)} lowercases differently in context; only Final_Sigma is handled`);
    }
    if (l === c) continue;
    const target = [...l].map((ch) => ch.codePointAt(0) as number);
    // translate() maps in one pass; a target that itself lowercases would need a second one.
    for (const t of target) {
      if (String.fromCodePoint(t).toLowerCase() !== String.fromCodePoint(t)) {
        throw new Error(`U+${hex(cp)} lowercases to U+${hex(t)}, which lowercases again`);
      }
    }
    if (target.length === 1) translate.push([cp, target[0] as number]);
    else expansions.push([cp, target]);
    // Device ids are checked as ASCII before lowercasing (core/normalize and the SQL agree on it); that is only
    // sound if no non-ASCII code point lowercases to UUID characters.
    if (cp > 0x7f && /^[0-9a-f-]+$/.test(l)) throw new Error(`U+${hex(cp)} lowercases to UUID characters "${l}"`);
  }

  // Expansions run before Final_Sigma looks at the context (translate() after it), so they must not change what
  // the context looks like: a replacement must read, from either end past case-ignorables, as what it replaces.
  const { cased, caseIgnorable } = deriveSigmaClasses(1);
  const casedSet = new Set(cased);
  const ignorableSet = new Set(caseIgnorable);
  const sigmaClass = (cp: number): string => (casedSet.has(cp) ? 'cased' : ignorableSet.has(cp) ? 'ignorable' : 'other');
  const seen = (seq: number[]): string => sigmaClass(seq.find((cp) => !ignorableSet.has(cp)) ?? (seq[0] as number));
  for (const [from, to] of expansions) {
    if (seen(to) !== sigmaClass(from) || seen([...to].reverse()) !== sigmaClass(from)) {
      throw new Error(`expanding U+${hex(from)} before Final_Sigma would change the sigma context`);
    }
    if (to.includes(CAPITAL_SIGMA)) throw new Error(`U+${hex(from)} expands to a capital sigma`);
  }

  return { unicodeVersion: process.versions.unicode ?? 'unknown', whitespace, cased, caseIgnorable, translate, expansions };
}

/**
 * Postgres ARE bracket body for sorted code points, as `\uXXXX`/`\UXXXXXXXX` ranges, with backslashes doubled for
 * an E'' literal: E'' reads the same whatever standard_conforming_strings is set to.
 */
function areRanges(cps: readonly number[]): string {
  const esc = (cp: number) => (cp <= 0xffff ? `\\\\u${hex(cp)}` : `\\\\U${cp.toString(16).toUpperCase().padStart(8, '0')}`);
  let out = '';
  for (let i = 0; i < cps.length; ) {
    const start = cps[i] as number;
    let end = start;
    while (i + 1 < cps.length && cps[i + 1] === end + 1) end = cps[++i] as number;
    i++;
    out += end === start ? esc(start) : `${esc(start)}-${esc(end)}`;
  }
  return out;
}

// E'' Unicode escapes keep the file ASCII and immune to client_encoding; Postgres folds them into one constant
// when it parses the function body.
function eLiteral(cps: readonly number[], perLine = 12): string {
  const esc = (cp: number) => (cp <= 0xffff ? `\\u${hex(cp)}` : `\\U${cp.toString(16).toUpperCase().padStart(8, '0')}`);
  const lines: string[] = [];
  for (let i = 0; i < cps.length; i += perLine) lines.push(cps.slice(i, i + perLine).map(esc).join(''));
  // Literals separated by a newline are one literal in SQL, and the continuations take their E from the first.
  return lines.map((l, i) => (i === 0 ? `E'${l}'` : `       '${l}'`)).join('\n');
}

// Blocks the translate() table is split by (see pinsync_js_lower_v1): Latin, Greek/Cyrillic/Armenian, the rest of
// the BMP's letters up to U+1FFF, symbols and the other BMP letters, supplementary planes.
const TRANSLATE_GROUPS: ReadonlyArray<[number, number]> = [
  [0x80, 0x2ff],
  [0x300, 0x5ff],
  [0x600, 0x1fff],
  [0x2000, 0xffff],
  [0x10000, MAX_CODE_POINT],
];

// Nested translate()s, innermost first. A part whose letters are not in s gets empty tables, which translate()
// passes through at once; testing s (the parameter) rather than the inner expression keeps that expression
// written and run once. s has a part's letters whenever the inner text does: expansions and Final_Sigma only
// ever write lowercase.
function groupedTranslate(groups: ReadonlyArray<Array<[number, number]>>, inner: string): string {
  let expr = inner;
  for (const g of groups) {
    if (g.length === 0) continue;
    const from = g.map(([f]) => f);
    const test = `s ~ E'[${areRanges(from)}]'`;
    expr = `translate(${expr},
      CASE WHEN ${test} THEN ${eLiteral(from)} ELSE '' END,
      CASE WHEN ${test} THEN ${eLiteral(g.map(([, l]) => l))} ELSE '' END)`;
  }
  return expr;
}

/** The text of `sql/postgres/normalize-unicode-v1.sql` for the given tables. */
export function renderPostgresUnicodeSql(t: PostgresUnicodeTables): string {
  const ws = areRanges(t.whitespace);
  const cased = areRanges(t.cased);
  const ign = areRanges(t.caseIgnorable);
  const notWsAt = `[^${ws}@]+`;
  let expanded = 's';
  for (const [from, to] of t.expansions) {
    expanded = `replace(${expanded}, chr(${from}), ${to.map((cp) => `chr(${cp})`).join(' || ')})`;
  }
  const nonAscii = t.translate.filter(([f]) => f > 0x7f);
  const ascii = t.translate.filter(([f]) => f <= 0x7f);
  const asciiFrom = String.fromCodePoint(...ascii.map(([f]) => f));
  const asciiTo = String.fromCodePoint(...ascii.map(([, l]) => l));
  if (!/^[A-Z]+$/.test(asciiFrom) || !/^[a-z]+$/.test(asciiTo)) throw new Error('ASCII lowercase is not A-Z to a-z');
  const upperSet = areRanges([...nonAscii.map(([f]) => f), ...t.expansions.map(([f]) => f)].sort((x, y) => x - y));
  const groups = TRANSLATE_GROUPS.map(([lo, hi]) => nonAscii.filter(([f]) => f >= lo && f <= hi));
  if (groups.reduce((n, g) => n + g.length, 0) !== nonAscii.length) throw new Error('translate groups miss code points');
  return `-- GENERATED by scripts/generate-postgres-normalize.ts from Node's String.prototype.toLowerCase, trim and \\s
-- (Unicode ${t.unicodeVersion}). Do not edit: rerun \`npx tsx scripts/generate-postgres-normalize.ts\`.
-- test/normalize/postgres-unicode-sql-fresh.test.ts fails when this file no longer matches the Node in use.
--
-- {{schema}} is the (quoted) schema the functions are created in; normalize-v1.sql, which builds on these, says
-- why they are SQL functions. Needs a UTF8 database. Postgres' btrim(), regex \\s and lower() under the database's
-- own collation are never used: they depend on LC_CTYPE and the server's Unicode tables, where these functions
-- depend on nothing but their input (lower() appears only with COLLATE "C", which folds A-Z alone).
-- Every regex is an E'' literal with doubled backslashes, so it reads the same whatever
-- standard_conforming_strings is set to.

-- JS String.prototype.trim: strips ECMAScript WhiteSpace and LineTerminator (${t.whitespace.length} code points),
-- where Postgres btrim() strips only spaces by default.
CREATE OR REPLACE FUNCTION {{schema}}.pinsync_js_trim_v1(s text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT regexp_replace(s, E'^[${ws}]+|[${ws}]+$', '', 'g') $$;

-- JS /^[^\\s@]+@[^\\s@]+\\.[^\\s@]+$/ with JS's Unicode \\s spelled out.
CREATE OR REPLACE FUNCTION {{schema}}.pinsync_js_email_shape_v1(s text) RETURNS boolean
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT s ~ E'^${notWsAt}@${notWsAt}\\\\.${notWsAt}$' $$;

-- JS toLowerCase's Final_Sigma rule: a capital sigma preceded by a cased letter (skipping case-ignorables) and not
-- followed by case-ignorables then a cased letter becomes final sigma (U+03C2). The context is matched and put
-- back (\\1 \\2 \\3) rather than looked around, as in the DuckDB macros; the trailing context never contains a
-- cased letter, so consuming it cannot hide the next sigma's leading context.
CREATE OR REPLACE FUNCTION {{schema}}.pinsync_final_sigma_v1(s text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT regexp_replace(s,
    E'([${cased}][${ign}]*)\\\\u03A3([${ign}]*)([^${cased}${ign}]|$)',
    E'\\\\1\\u03C2\\\\2\\\\3', 'g') $$;

-- JS toLowerCase. Postgres lower() with the "C" collation folds A-Z and nothing else, whatever the database's
-- LC_CTYPE, and is the fast path: ASCII text, or text whose only letters to lowercase are ASCII, needs nothing
-- more. Otherwise: the expansions (${t.expansions.map(([f]) => `U+${hex(f)}`).join(', ') || 'none'}) first, then Final_Sigma where there is a capital
-- sigma (the expansions never change a character's cased or case-ignorable class, which the generator checks),
-- then the ${nonAscii.length} non-ASCII single-code-point lowercases (every remaining capital sigma becomes U+03C3).
-- translate() scans its whole table for every character (about 6 us a character for all of them at once), so the
-- table is split by block, each part run only when the text has one of its letters: a Latin text scans ${groups[0]?.length ?? 0}
-- entries. No lowercase is itself lowercased again (checked by the generator), so the parts never interact.
-- Few regexes on purpose: a backend caches 32 compiled ones, and the Unicode classes are slow to compile.
CREATE OR REPLACE FUNCTION {{schema}}.pinsync_js_lower_v1(s text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT CASE WHEN octet_length(s) = char_length(s) OR s !~ E'[${upperSet}]'
      THEN lower(s COLLATE "C")
    ELSE ${groupedTranslate(groups, `lower(
      CASE WHEN strpos(s, chr(${CAPITAL_SIGMA})) > 0 THEN {{schema}}.pinsync_final_sigma_v1(${expanded})
        ELSE ${expanded} END COLLATE "C")`)}
    END $$;
`;
}

/** Renders the file from this Node. */
export function generatePostgresUnicodeSql(): string {
  return renderPostgresUnicodeSql(derivePostgresUnicodeTables());
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await writeOrCheckGenerated(POSTGRES_UNICODE_SQL_FILE, generatePostgresUnicodeSql, 'scripts/generate-postgres-normalize.ts');
}

/**
 * Generates `sql/duckdb/normalize-unicode-v1.sql`: the DuckDB macros that make DuckDB trim, lowercase and
 * whitespace-match exactly like this Node runtime's `String.prototype.trim`, `toLowerCase` and regex `\s`.
 *
 * Node is the source of truth (normalization rules are defined in JavaScript terms, DESIGN §3): every table here is
 * derived by asking Node about every code point, and DuckDB's own `lower()` is only consulted to find where it
 * disagrees. The committed file must equal what this script renders; `test/normalize/unicode-sql-fresh.test.ts`
 * re-derives it and fails when Node's ICU or DuckDB's lower() changed under us.
 *
 * Usage: `npx tsx scripts/generate-duckdb-lowercase.ts` (rewrites the file) or `--check` (exit 1 when stale).
 */
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { DuckDBConnection } from '@duckdb/node-api';
import { openDuckDb } from '../connectors/duckdb/open-duckdb.js';
import { CAPITAL_SIGMA, codePoints, deriveSigmaClasses, hex, MAX_CODE_POINT , writeOrCheckGenerated } from './js-unicode-classes.js';

export const UNICODE_SQL_FILE = fileURLToPath(new URL('../sql/duckdb/normalize-unicode-v1.sql', import.meta.url));


/** Everything the generated SQL encodes, as derived from Node (and DuckDB's lower() where it is wrong). */
export interface JsUnicodeTables {
  /** Unicode version of the Node runtime the tables came from (`process.versions.unicode`). */
  unicodeVersion: string;
  /** Code points JS `\s` matches, which are exactly those `String.prototype.trim` removes. */
  whitespace: number[];
  /** Cased letters that end a Final_Sigma look-around (ICU: cased and not case-ignorable). */
  cased: number[];
  /** Case-ignorable code points that Final_Sigma skips over. */
  caseIgnorable: number[];
  /** Single code points DuckDB lower() maps differently from JS, with JS's single-code-point lowercase. */
  translate: Array<[from: number, to: number]>;
  /** Code points whose JS lowercase is several code points (DuckDB cannot expand them), with JS's lowercase. */
  expansions: Array<[from: number, to: number[]]>;
}

/** JS lowercase of every code point that has one, after proving it never depends on the neighbours (Σ aside). */
function deriveJsLowercase(): Map<number, string> {
  const lower = new Map<number, string>();
  for (const cp of codePoints()) {
    const c = String.fromCodePoint(cp);
    const l = c.toLowerCase();
    if (cp !== CAPITAL_SIGMA && (('A' + c).toLowerCase() !== 'a' + l || (c + 'A').toLowerCase() !== l + 'a')) {
      throw new Error(`U+${hex(cp)} lowercases differently in context; only Final_Sigma is handled`);
    }
    if (l !== c) lower.set(cp, l);
  }
  return lower;
}

async function readDuckDbLowercase(conn: DuckDBConnection): Promise<Map<number, string>> {
  // hex() rather than the string itself: the node client decodes VARCHAR with TextDecoder, which drops a
  // leading U+FEFF, so reading chr(65279) back gives '' (the "FEFF oddity"; DuckDB itself is fine).
  const reader = await conn.runAndReadAll(
    `SELECT cp::INTEGER AS cp, hex(lower(chr(cp::INTEGER))) AS h FROM range(0, ${MAX_CODE_POINT + 1}) t(cp)
     WHERE cp < 55296 OR cp > 57343`,
  );
  const out = new Map<number, string>();
  for (const [cp, h] of reader.getRows()) out.set(cp as number, Buffer.from(h as string, 'hex').toString('utf8'));
  return out;
}

/** Asks Node (and DuckDB, to find its lower() mistakes) for every table the generated SQL needs. */
export async function deriveJsUnicodeTables(conn: DuckDBConnection): Promise<JsUnicodeTables> {
  const whitespace: number[] = [];
  for (const cp of codePoints()) {
    const c = String.fromCodePoint(cp);
    const isSpace = /\s/.test(c);
    if (isSpace !== (('x' + c).trim() === 'x' && (c + 'x').trim() === 'x')) {
      throw new Error(`U+${hex(cp)}: /\\s/ and String.prototype.trim disagree`);
    }
    if (isSpace) whitespace.push(cp);
  }

  const jsLower = deriveJsLowercase();
  const duckLower = await readDuckDbLowercase(conn);
  const translate: Array<[number, number]> = [];
  const expansions: Array<[number, number[]]> = [];
  for (const cp of codePoints()) {
    const c = String.fromCodePoint(cp);
    const js = jsLower.get(cp) ?? c;
    if (duckLower.get(cp) === js) continue;
    if (js === c) throw new Error(`DuckDB lower() changes U+${hex(cp)} but JS does not; translate() cannot undo that`);
    const target = [...js].map((ch) => ch.codePointAt(0) as number);
    // The fix-up is applied before DuckDB's lower(), so lower() must leave JS's answer alone.
    for (const t of target) {
      if (duckLower.get(t) !== String.fromCodePoint(t)) {
        throw new Error(`DuckDB lower() would change U+${hex(t)}, the JS lowercase of U+${hex(cp)}`);
      }
    }
    if (target.length === 1) translate.push([cp, target[0] as number]);
    else expansions.push([cp, target]);
  }

  // Device ids are checked as ASCII before lowercasing (connectors' SQL and core/normalize agree on it); that is
  // only sound if no non-ASCII code point lowercases to UUID characters.
  for (const [cp, l] of jsLower) {
    if (cp > 0x7f && /^[0-9a-f-]+$/.test(l)) throw new Error(`U+${hex(cp)} lowercases to UUID characters "${l}"`);
  }

  // The SQL applies the fix-ups before Final_Sigma looks at the context, so they must not change what the context
  // looks like: a replacement must read, from either end past case-ignorables, as the character it replaces.
  const { cased, caseIgnorable } = deriveSigmaClasses();
  const casedSet = new Set(cased);
  const ignorableSet = new Set(caseIgnorable);
  const sigmaClass = (cp: number): string => (casedSet.has(cp) ? 'cased' : ignorableSet.has(cp) ? 'ignorable' : 'other');
  const seen = (seq: number[]): string => sigmaClass(seq.find((cp) => !ignorableSet.has(cp)) ?? (seq[0] as number));
  for (const [from, to] of [...translate.map(([f, l]): [number, number[]] => [f, [l]]), ...expansions]) {
    if (seen(to) !== sigmaClass(from) || seen([...to].reverse()) !== sigmaClass(from)) {
      throw new Error(`fixing U+${hex(from)} before Final_Sigma would change the sigma context`);
    }
  }

  return { unicodeVersion: process.versions.unicode ?? 'unknown', whitespace, cased, caseIgnorable, translate, expansions };
}

/** RE2 class body (without brackets) for a sorted list of code points, as `\x{...}` ranges. */
function re2Ranges(cps: readonly number[]): string {
  let out = '';
  for (let i = 0; i < cps.length; ) {
    const start = cps[i] as number;
    let end = start;
    while (i + 1 < cps.length && cps[i + 1] === end + 1) end = cps[++i] as number;
    i++;
    out += end === start ? `\\x{${hex(start)}}` : `\\x{${hex(start)}}-\\x{${hex(end)}}`;
  }
  return out;
}

// chr() keeps the file ASCII where invisible or combining characters would be involved (few of them).
function chrConcat(cps: readonly number[]): string {
  return cps.map((cp) => `chr(${cp})`).join(' || ');
}

// The translate() sets are visible letters, written literally: as chr() chains they cost DuckDB's binder ~25 ms per
// copy, and macro expansion copies pinsync_js_lower_v1 into a query several times.
function sqlLiteral(cps: readonly number[]): string {
  const text = String.fromCodePoint(...cps);
  if (/[\p{M}\p{C}\p{Z}']/u.test(text)) throw new Error('translate() set holds characters unsafe to write literally');
  return `'${text}'`;
}

function commentLines(items: readonly string[], title: string): string {
  const lines = [`-- ${title}`];
  for (let i = 0; i < items.length; i += 10) lines.push(`--   ${items.slice(i, i + 10).join(' ')}`);
  return lines.join('\n');
}

/** The text of `sql/duckdb/normalize-unicode-v1.sql` for the given tables. */
export function renderUnicodeSql(t: JsUnicodeTables): string {
  const ws = re2Ranges(t.whitespace);
  const cased = re2Ranges(t.cased);
  const ign = re2Ranges(t.caseIgnorable);
  const notWsAt = `[^${ws}@]+`;
  let fixed = 's';
  for (const [from, to] of t.expansions) fixed = `replace(${fixed}, chr(${from}), ${chrConcat(to)})`;
  const from = t.translate.map(([f]) => f);
  const to = t.translate.map(([, l]) => l);
  if (from.length > 0) {
    fixed = `translate(${fixed},\n      ${sqlLiteral(from)},\n      ${sqlLiteral(to)})`;
  }
  const fixCount = t.expansions.length + t.translate.length;
  const fixSet = re2Ranges([...t.expansions.map(([f]) => f), ...from].sort((x, y) => x - y));
  return `-- GENERATED by scripts/generate-duckdb-lowercase.ts from Node's String.prototype.toLowerCase, trim and \\s
-- (Unicode ${t.unicodeVersion}). Do not edit: rerun \`npx tsx scripts/generate-duckdb-lowercase.ts\`.
-- test/normalize/unicode-sql-fresh.test.ts fails when this file no longer matches the Node/DuckDB in use.
--
-- Temp macros are per connection: connectors/duckdb/duckdb-normalization.ts installs them on each connection.

-- JS String.prototype.trim: strips ECMAScript WhiteSpace and LineTerminator (${t.whitespace.length} code points),
-- where DuckDB trim() strips only Zs spaces. The first test keeps the usual unpadded value away from the two
-- rewrites. (Testing ascii(s) IN (...) first is ~25 ms per million rows faster to run but makes every query that
-- expands these nested macros take seconds to plan.)
CREATE OR REPLACE TEMP MACRO pinsync_js_trim_v1(s) AS
  CASE WHEN regexp_matches(s, '^[${ws}]|[${ws}]$')
    THEN regexp_replace(regexp_replace(s, '^[${ws}]+', ''), '[${ws}]+$', '')
    ELSE s END;

-- JS /^[^\\s@]+@[^\\s@]+\\.[^\\s@]+$/ (RE2's \\s is ASCII-only, hence the explicit class).
CREATE OR REPLACE TEMP MACRO pinsync_js_email_shape_v1(s) AS
  regexp_full_match(s, '${notWsAt}@${notWsAt}\\.${notWsAt}');

-- The code points DuckDB lower() gets wrong, replaced by JS's lowercase before lower() runs: the expansions
-- DuckDB cannot do (${t.expansions.map(([f]) => `U+${hex(f)}`).join(', ') || 'none'}), and ${t.translate.length} letters it leaves alone or maps elsewhere.
-- translate() costs about 1 us a row, hence the cheap test first.
${commentLines(t.translate.map(([f, l]) => `${hex(f)}>${hex(l)}`), 'translate() maps')}
CREATE OR REPLACE TEMP MACRO pinsync_lower_fixups_v1(s) AS
  CASE WHEN ${fixCount === 0 ? 'false' : `regexp_matches(s, '[${fixSet}]')`}
    THEN ${fixed}
    ELSE s END;

-- JS toLowerCase's Final_Sigma rule, which DuckDB lower() lacks: a capital sigma preceded by a cased letter
-- (skipping case-ignorables) and not followed by case-ignorables then a cased letter becomes final sigma (U+03C2).
-- RE2 has no look-around, so the context is matched and put back (\\1 \\2 \\3); the trailing context never
-- contains a cased letter, so consuming it cannot hide the next sigma's leading context.
CREATE OR REPLACE TEMP MACRO pinsync_final_sigma_v1(s) AS
  regexp_replace(s,
    '([${cased}][${ign}]*)\\x{3A3}([${ign}]*)([^${cased}${ign}]|$)',
    '\\1' || chr(962) || '\\2\\3', 'g');

-- JS toLowerCase. ASCII strings (byte length = code point count) take DuckDB lower() directly. Others get the
-- fix-ups, then Final_Sigma if there is a capital sigma (the fix-ups never change a character's cased or
-- case-ignorable class, which the generator checks), then lower(). Repeating pinsync_lower_fixups_v1 in two
-- branches costs nothing: a row runs one branch.
CREATE OR REPLACE TEMP MACRO pinsync_js_lower_v1(s) AS
  CASE WHEN strlen(s) = length(s) THEN lower(s)
    WHEN contains(s, chr(${CAPITAL_SIGMA})) THEN lower(pinsync_final_sigma_v1(pinsync_lower_fixups_v1(s)))
    ELSE lower(pinsync_lower_fixups_v1(s))
    END;
`;
}

/** Renders the file from this Node and DuckDB. */
export async function generateUnicodeSql(): Promise<string> {
  const db = await openDuckDb(':memory:');
  const conn = await db.connect();
  try {
    return renderUnicodeSql(await deriveJsUnicodeTables(conn));
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await writeOrCheckGenerated(UNICODE_SQL_FILE, generateUnicodeSql, 'scripts/generate-duckdb-lowercase.ts');
}

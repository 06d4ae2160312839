/**
 * What the SQL generators (generate-duckdb-lowercase.ts, generate-postgres-normalize.ts) ask Node about every code
 * point in the same way: the code points to visit, the classes JavaScript's Final_Sigma rule depends on, and the
 * write-or-check command line.
 */
import { readFileSync, writeFileSync } from 'node:fs';

/** Highest Unicode code point. */
export const MAX_CODE_POINT = 0x10ffff;
/** U+03A3 GREEK CAPITAL LETTER SIGMA, the one letter whose lowercase depends on its neighbours. */
export const CAPITAL_SIGMA = 0x3a3;
/** Its final form. */
export const FINAL_SIGMA = 'ς';

/**
 * Every code point from `from` up, surrogates skipped: lone surrogates cannot reach the SQL (DuckDB VARCHAR and
 * Postgres text are valid UTF-8). Postgres starts at 1: its text cannot hold U+0000.
 */
export function* codePoints(from = 0): Generator<number> {
  for (let cp = from; cp <= MAX_CODE_POINT; cp++) {
    if (cp >= 0xd800 && cp <= 0xdfff) continue;
    yield cp;
  }
}

/** U+ notation digits of a code point (at least four). */
export function hex(cp: number): string {
  return cp.toString(16).toUpperCase().padStart(4, '0');
}

function isFinalAt(lowered: string, index: number): boolean {
  return lowered[index < 0 ? lowered.length + index : index] === FINAL_SIGMA;
}

/**
 * Classifies code points for Final_Sigma from toLowerCase's own behaviour, then cross-checks the result against
 * `\p{Cased}`/`\p{Case_Ignorable}`: ICU skips a case-ignorable character even when it is also cased (U+0345,
 * modifier letters), so the classes the SQL needs are Case_Ignorable and Cased minus Case_Ignorable.
 */
export function deriveSigmaClasses(from = 0): { cased: number[]; caseIgnorable: number[] } {
  const casedRe = /\p{Cased}/u;
  const ignorableRe = /\p{Case_Ignorable}/u;
  const cased: number[] = [];
  const caseIgnorable: number[] = [];
  for (const cp of codePoints(from)) {
    const c = String.fromCodePoint(cp);
    // "cΣ": final only when c is a cased letter; an ignorable c is skipped and reaches the start of the string.
    const isCased = isFinalAt((c + 'Σ').toLowerCase(), -1);
    // "AcΣ": final when c is cased or skipped as ignorable.
    const isIgnorable = !isCased && isFinalAt(('A' + c + 'Σ').toLowerCase(), -1);
    // Looking forward must use the same classes: "AΣc" is final unless c is cased, "AΣcB" unless c is either.
    const finalBefore = isFinalAt(('AΣ' + c).toLowerCase(), 1);
    const finalBeforeB = isFinalAt(('AΣ' + c + 'B').toLowerCase(), 1);
    const propIgnorable = ignorableRe.test(c);
    const propCased = casedRe.test(c) && !propIgnorable;
    if (finalBefore !== !isCased || finalBeforeB !== !(isCased || isIgnorable)) {
      throw new Error(`Final_Sigma context of U+${hex(cp)} is not symmetric in this Node; the SQL model is wrong`);
    }
    if (propCased !== isCased || propIgnorable !== isIgnorable) {
      throw new Error(`U+${hex(cp)}: toLowerCase's Final_Sigma disagrees with \\p{Cased}/\\p{Case_Ignorable}`);
    }
    if (isCased) cased.push(cp);
    if (isIgnorable) caseIgnorable.push(cp);
  }
  return { cased, caseIgnorable };
}

/**
 * A generator's command line: `--check` exits 1 when `file` differs from `render()` (stale), otherwise `file` is
 * rewritten. `script` names the generator in the message.
 */
export async function writeOrCheckGenerated(file: string, render: () => string | Promise<string>, script: string): Promise<void> {
  const text = await render();
  if (process.argv.includes('--check')) {
    if (readFileSync(file, 'utf8') !== text) {
      console.error(`${file} is stale: run npx tsx ${script}`);
      process.exit(1);
    }
    return;
  }
  writeFileSync(file, text);
  console.log(`wrote ${file}`);
}

/** Sorted code points as inclusive `[start, end]` runs, the shape every engine's character class is written in. */
export function codePointRanges(cps: readonly number[]): Array<[start: number, end: number]> {
  const runs: Array<[number, number]> = [];
  for (const cp of cps) {
    const last = runs[runs.length - 1];
    if (last !== undefined && cp === last[1] + 1) last[1] = cp;
    else runs.push([cp, cp]);
  }
  return runs;
}

/**
 * The Postgres derivation starts at U+0001 (Postgres text cannot hold NUL); a BigQuery STRING or Snowflake VARCHAR
 * can, so NUL must need no entry in any table: no lowercase, not whitespace, neither cased nor case-ignorable.
 */
export function assertNulIsInert(): void {
  const nul = String.fromCodePoint(0);
  if (nul.toLowerCase() !== nul || /\s/.test(nul) || /[\p{Cased}\p{Case_Ignorable}]/u.test(nul)) {
    throw new Error('U+0000 has a lowercase, is whitespace or has a Final_Sigma class in this Node; the tables must include it');
  }
}

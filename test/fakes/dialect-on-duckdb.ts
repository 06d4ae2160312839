/**
 * Runs BigQuery (GoogleSQL) and Snowflake statements on DuckDB, so the warehouse fakes can execute the SQL pinsync
 * sends them (sql/bigquery/*.sql, sql/snowflake/*.sql) instead of only matching scripted text.
 *
 * The translation is deliberately thin and explicit: the statement is tokenized with the dialect's own string and
 * identifier rules, every string literal is decoded by the dialect's escapes and re-written as a DuckDB literal of
 * the same characters, and only the functions listed in FUNCTIONS are rewritten (each to a DuckDB expression with
 * the same result for the argument types pinsync passes). Everything else goes through as written and must already
 * mean the same in DuckDB (CASE, COALESCE, ||, CONCAT, TRANSLATE, REPLACE, TRIM(s, set), STRPOS, CONTAINS, LENGTH in
 * code points, LOWER on ASCII, CHR, UNION ALL, VALUES, CAST ... AS STRING); a function missing from the list that
 * DuckDB lacks fails loudly. SQL UDFs become DuckDB macros:
 *   BigQuery  CREATE [OR REPLACE] [TEMP] FUNCTION name(p TYPE, ...) RETURNS TYPE AS (expr)
 *   Snowflake CREATE [OR REPLACE] FUNCTION name(p TYPE, ...) RETURNS TYPE [LANGUAGE SQL] [IMMUTABLE] AS $$ expr $$
 * Names: a BigQuery `a.b` in backticks becomes "a"."b" (project-qualified names are not supported); a BigQuery
 * dataset or Snowflake schema is a DuckDB schema.
 *
 * What this proves and what it cannot: the statements' shape, the normalization logic and every table in them run
 * here exactly as written, with the dialect's literal escapes honoured; regexes run on RE2 (BigQuery's own engine;
 * Snowflake's is POSIX ERE, and pinsync's patterns are written so that both read and match them alike). The engines'
 * own parsers, regex engines, TRANSLATE/TRIM on unusual input, limits and costs are only proven by the live tests.
 */
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { openDuckDb } from '../../connectors/duckdb/open-duckdb.js';

/** The warehouse SQL dialects the translation reads. */
export type SqlDialect = 'bigquery' | 'snowflake';

/** One lexical token of a statement. */
interface Token {
  /** What it is. */
  kind: 'space' | 'word' | 'quoted' | 'string' | 'number' | 'punct';
  /** Its text as written. */
  text: string;
  /** For `string`: the decoded characters; for `quoted`: the identifier's parts (BigQuery backticks may hold dots). */
  value?: string | string[];
}

/** Thrown for SQL the translation refuses (unsupported syntax or a function used another way than pinsync does). */
export class DialectTranslationError extends Error {}

// Each rewrite gets the already-translated arguments. Arity is checked: another arity means another function.
type Rewrite = (args: string[]) => string;
const call = (name: string, arity: number, body: (a: string[]) => string): [string, Rewrite] => [
  name,
  (args) => {
    if (args.length !== arity) throw new DialectTranslationError(`${name} with ${args.length} arguments is not translated (expected ${arity})`);
    return body(args);
  },
];

const FUNCTIONS: Record<SqlDialect, Map<string, Rewrite>> = {
  bigquery: new Map([
    call('REGEXP_CONTAINS', 2, ([s, p]) => `regexp_matches(${s}, ${p})`),
    // GoogleSQL replaces every match; DuckDB only the first without 'g'. Both write \1 for a group.
    call('REGEXP_REPLACE', 3, ([s, p, r]) => `regexp_replace(${s}, ${p}, ${r}, 'g')`),
    // SHA256 of a STRING hashes its UTF-8 and returns BYTES; DuckDB's sha256 returns the hex text of the same.
    call('SHA256', 1, ([s]) => `unhex(sha256(${s}))`),
    call('TO_HEX', 1, ([b]) => `lower(hex(${b}))`),
    // Only ever applied to STRING by pinsync's SQL: UTF-8 bytes.
    call('BYTE_LENGTH', 1, ([s]) => `strlen(${s})`),
    call('FROM_HEX', 1, ([s]) => `unhex(${s})`),
  ]),
  snowflake: new Map([
    // REGEXP_LIKE matches the whole subject (implicitly anchored at both ends).
    call('REGEXP_LIKE', 2, ([s, p]) => `regexp_full_match(${s}, ${p})`),
    call('REGEXP_COUNT', 2, ([s, p]) => `len(regexp_extract_all(${s}, ${p}))`),
    // Occurrence 0 (every match) is Snowflake's default.
    call('REGEXP_REPLACE', 3, ([s, p, r]) => `regexp_replace(${s}, ${p}, ${r}, 'g')`),
    call('SHA2', 2, ([s, bits]) => {
      if (bits?.trim() !== '256') throw new DialectTranslationError(`SHA2 with ${bits} bits is not translated`);
      return `sha256(${s})`;
    }),
    call('SHA2_BINARY', 2, ([s, bits]) => {
      if (bits?.trim() !== '256') throw new DialectTranslationError(`SHA2_BINARY with ${bits} bits is not translated`);
      return `unhex(sha256(${s}))`;
    }),
    call('TO_BINARY', 2, ([s, format]) => {
      if (format?.trim().toUpperCase() !== "'HEX'") throw new DialectTranslationError('TO_BINARY is translated from HEX only');
      return `unhex(${s})`;
    }),
    call('HEX_ENCODE', 2, ([b, c]) => {
      if (c?.trim() !== '0') throw new DialectTranslationError('HEX_ENCODE is translated for lowercase (0) only');
      return `lower(hex(${b}))`;
    }),
    // Only ever applied to VARCHAR by pinsync's SQL: UTF-8 bytes.
    call('OCTET_LENGTH', 1, ([s]) => `strlen(${s})`),
  ]),
};

const BIGQUERY_ESCAPES: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\', '?': '?', '"': '"', "'": "'", '`': '`' };
const SNOWFLAKE_ESCAPES: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', '0': '\0', '\\': '\\', '"': '"', "'": "'" };

/** Decodes the body of a backslash-escaped literal with the dialect's escapes. */
function unescape(body: string, dialect: SqlDialect): string {
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i] as string;
    if (dialect === 'snowflake' && c === "'" && body[i + 1] === "'") {
      out += "'";
      i++;
      continue;
    }
    if (c !== '\\') {
      out += c;
      continue;
    }
    const e = body[++i];
    if (e === undefined) throw new DialectTranslationError('a string literal ends in a backslash');
    const hexDigits = (n: number) => {
      const digits = body.slice(i + 1, i + 1 + n);
      if (!new RegExp(`^[0-9a-fA-F]{${n}}$`).test(digits)) throw new DialectTranslationError(`bad \\${e} escape`);
      i += n;
      return String.fromCodePoint(parseInt(digits, 16));
    };
    if (e === 'u') out += hexDigits(4);
    else if (e === 'U' && dialect === 'bigquery') out += hexDigits(8);
    else if (e === 'x' || e === 'X') out += hexDigits(2);
    else if (/[0-7]/.test(e) && /^[0-7]{3}$/.test(body.slice(i, i + 3))) {
      out += String.fromCodePoint(parseInt(body.slice(i, i + 3), 8));
      i += 2;
    } else {
      const escapes = dialect === 'bigquery' ? BIGQUERY_ESCAPES : SNOWFLAKE_ESCAPES;
      if (escapes[e] !== undefined) out += escapes[e];
      else if (dialect === 'snowflake') out += e; // Snowflake drops the backslash of an unknown escape.
      else throw new DialectTranslationError(`GoogleSQL has no \\${e} escape`);
    }
  }
  return out;
}

/** Splits a statement into tokens, reading strings and quoted names the dialect's way. */
export function tokenize(sql: string, dialect: SqlDialect): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const fail = (what: string) => {
    throw new DialectTranslationError(`${what} at offset ${i}`);
  };
  while (i < sql.length) {
    const rest = sql.slice(i);
    let m: RegExpExecArray | null;
    if ((m = /^(?:\s+|--[^\n]*|\/\*[\s\S]*?\*\/)/.exec(rest))) {
      tokens.push({ kind: 'space', text: m[0] });
    } else if (dialect === 'snowflake' && rest.startsWith('$$')) {
      const end = sql.indexOf('$$', i + 2);
      if (end < 0) fail('unterminated $$ string');
      const text = sql.slice(i, end + 2);
      tokens.push({ kind: 'string', text, value: text.slice(2, -2) });
    } else if ((m = /^([rR]?)('|")/.exec(rest)) && (m[1] === '' || dialect === 'bigquery') && (m[2] === "'" || dialect === 'bigquery')) {
      const raw = m[1] !== '';
      const quote = m[2] as string;
      if (dialect === 'bigquery' && rest.startsWith(quote.repeat(3), m[1]!.length)) fail('triple-quoted strings are not translated');
      let j = i + m[0].length;
      for (;;) {
        if (j >= sql.length) fail('unterminated string');
        const c = sql[j];
        if (c === '\\') j += 2;
        else if (c === quote && dialect === 'snowflake' && sql[j + 1] === quote) j += 2;
        else if (c === quote) break;
        else j++;
      }
      const text = sql.slice(i, j + 1);
      const body = text.slice(m[0].length, -1);
      tokens.push({ kind: 'string', text, value: raw ? body : unescape(body, dialect) });
    } else if (dialect === 'bigquery' && rest.startsWith('`')) {
      const end = sql.indexOf('`', i + 1);
      if (end < 0) fail('unterminated backtick name');
      const text = sql.slice(i, end + 1);
      tokens.push({ kind: 'quoted', text, value: text.slice(1, -1).split('.') });
    } else if (rest.startsWith('"')) {
      const m2 = /^"(?:[^"]|"")*"/.exec(rest);
      if (!m2) fail('unterminated quoted name');
      tokens.push({ kind: 'quoted', text: m2![0], value: [m2![0].slice(1, -1).replace(/""/g, '"')] });
    } else if ((m = /^[A-Za-z_][A-Za-z0-9_$]*/.exec(rest))) {
      tokens.push({ kind: 'word', text: m[0] });
    } else if ((m = /^\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(rest))) {
      tokens.push({ kind: 'number', text: m[0] });
    } else if ((m = /^(?:\|\||::|<=|>=|<>|!=|=>|[(),.;=<>+\-*/%[\]{}:])/.exec(rest))) {
      tokens.push({ kind: 'punct', text: m[0] });
    } else {
      fail(`unexpected character ${JSON.stringify(rest[0])}`);
    }
    i += tokens[tokens.length - 1]!.text.length;
  }
  return tokens;
}

/** A DuckDB literal holding exactly `value` (a NUL, which a DuckDB literal cannot hold, is chr(0) concatenated in). */
export function duckDbLiteral(value: string): string {
  const parts = value.split('\0').map((p) => `'${p.replace(/'/g, "''")}'`);
  return parts.length === 1 ? (parts[0] as string) : `(${parts.join(' || chr(0) || ')})`;
}

function duckDbName(parts: readonly string[]): string {
  return parts.map((p) => `"${p.replace(/"/g, '""')}"`).join('.');
}

/** Translates tokens[from, to) to DuckDB text, rewriting the dialect's functions with their arguments. */
function emit(tokens: readonly Token[], from: number, to: number, dialect: SqlDialect): string {
  let out = '';
  for (let i = from; i < to; i++) {
    const t = tokens[i] as Token;
    if (t.kind === 'string') out += duckDbLiteral(t.value as string);
    else if (t.kind === 'quoted') out += duckDbName(t.value as string[]);
    else if (t.kind === 'word' && i + 1 < to && tokens[i + 1]?.text === '(' && previousSolid(tokens, i)?.text !== '.') {
      const close = matchingParen(tokens, i + 1, to);
      const constant = constantString(tokens, i, close + 1);
      if (constant !== undefined) {
        out += duckDbLiteral(constant);
        i = close;
        continue;
      }
      const rewrite = FUNCTIONS[dialect].get(t.text.toUpperCase());
      if (rewrite) {
        out += rewrite(splitArgs(tokens, i + 2, close).map(([a, b]) => emit(tokens, a, b, dialect).trim()));
      } else {
        out += `${t.text}(${emit(tokens, i + 2, close, dialect)})`;
      }
      i = close;
    } else out += t.text;
  }
  return out;
}

/**
 * The value of tokens[from, to) when it is a constant string: a literal, CHR(<number>), or CONCAT of constants.
 * The translation folds these into one DuckDB literal, as the engines fold them once per statement: left as calls,
 * the generated Unicode tables (hundreds of CHR pieces each) would be copied into every macro expansion and make
 * DuckDB's binder, not the SQL, the slow part of every test.
 */
function constantString(tokens: readonly Token[], from: number, to: number): string | undefined {
  const start = nextSolid(tokens, from);
  let end = to;
  while (end > start && tokens[end - 1]!.kind === 'space') end--;
  const first = tokens[start];
  if (first === undefined) return undefined;
  if (first.kind === 'string' && end === start + 1) return first.value as string;
  if (first.kind !== 'word' || tokens[start + 1]?.text !== '(' || matchingParen(tokens, start + 1, end) !== end - 1) return undefined;
  const args = splitArgs(tokens, start + 2, end - 1);
  const name = first.text.toUpperCase();
  if (name === 'CHR' && args.length === 1) {
    const [a, b] = args[0]!;
    const digits = tokens.slice(a, b).filter((t) => t.kind !== 'space');
    return digits.length === 1 && /^\d+$/.test(digits[0]!.text) ? String.fromCodePoint(Number(digits[0]!.text)) : undefined;
  }
  if (name !== 'CONCAT') return undefined;
  let value = '';
  for (const [a, b] of args) {
    const part = constantString(tokens, a, b);
    if (part === undefined) return undefined;
    value += part;
  }
  return value;
}

function previousSolid(tokens: readonly Token[], i: number): Token | undefined {
  for (let j = i - 1; j >= 0; j--) if (tokens[j]!.kind !== 'space') return tokens[j];
  return undefined;
}

function nextSolid(tokens: readonly Token[], i: number): number {
  let j = i;
  while (j < tokens.length && tokens[j]!.kind === 'space') j++;
  return j;
}

/** Index of the `)` closing the `(` at `open`. */
function matchingParen(tokens: readonly Token[], open: number, to: number): number {
  let depth = 0;
  for (let j = open; j < to; j++) {
    const text = tokens[j]!.kind === 'punct' ? tokens[j]!.text : '';
    if (text === '(' || text === '[') depth++;
    else if (text === ')' || text === ']') {
      depth--;
      if (depth === 0) return j;
    }
  }
  throw new DialectTranslationError('unbalanced parentheses');
}

/** The [start, end) token ranges of the comma-separated arguments in tokens[from, to). */
function splitArgs(tokens: readonly Token[], from: number, to: number): Array<[number, number]> {
  const args: Array<[number, number]> = [];
  let depth = 0;
  let start = from;
  for (let j = from; j < to; j++) {
    const text = tokens[j]!.kind === 'punct' ? tokens[j]!.text : '';
    if (text === '(' || text === '[') depth++;
    else if (text === ')' || text === ']') depth--;
    else if (text === ',' && depth === 0) {
      args.push([start, j]);
      start = j + 1;
    }
  }
  if (tokens.slice(start, to).some((t) => t.kind !== 'space') || args.length > 0) args.push([start, to]);
  return args;
}

/** `CREATE ... FUNCTION` as a DuckDB `CREATE MACRO`, or undefined when the statement is something else. */
function translateFunction(tokens: readonly Token[], dialect: SqlDialect): string | undefined {
  let i = nextSolid(tokens, 0);
  const word = () => tokens[i]?.text.toUpperCase();
  const advance = () => (i = nextSolid(tokens, i + 1));
  if (word() !== 'CREATE') return undefined;
  advance();
  let orReplace = false;
  let temp = false;
  if (word() === 'OR') {
    advance();
    if (word() !== 'REPLACE') return undefined;
    orReplace = true;
    advance();
  }
  if (word() === 'TEMP' || word() === 'TEMPORARY') {
    temp = true;
    advance();
  }
  if (word() !== 'FUNCTION') return undefined;
  advance();
  const nameStart = i;
  while (i < tokens.length && tokens[i]!.text !== '(') i++;
  const name = emit(tokens, nameStart, i, dialect).trim();
  const closeParams = matchingParen(tokens, i, tokens.length);
  const params = splitArgs(tokens, i + 1, closeParams).map(([a]) => tokens[nextSolid(tokens, a)]!.text);
  // Skip RETURNS <type> and any LANGUAGE/IMMUTABLE/... clauses: a macro has neither types nor options.
  i = closeParams;
  while (i < tokens.length && !(tokens[i]!.kind === 'word' && tokens[i]!.text.toUpperCase() === 'AS')) i++;
  advance();
  let body: string;
  if (dialect === 'snowflake') {
    const t = tokens[i];
    if (t?.kind !== 'string') throw new DialectTranslationError('a Snowflake function body must be a $$ or quoted string');
    body = translateToDuckDb(t.value as string, dialect);
    advance();
  } else {
    if (tokens[i]?.text !== '(') throw new DialectTranslationError('a GoogleSQL SQL function body must be AS (expression)');
    const close = matchingParen(tokens, i, tokens.length);
    body = emit(tokens, i + 1, close, dialect).trim();
    i = nextSolid(tokens, close + 1);
  }
  if (i < tokens.length && tokens[i]!.text !== ';') throw new DialectTranslationError('unexpected text after the function body');
  return `CREATE ${orReplace ? 'OR REPLACE ' : ''}${temp ? 'TEMP ' : ''}MACRO ${name}(${params.join(', ')}) AS (${body})`;
}

/** The DuckDB text of one BigQuery or Snowflake statement (or expression). */
export function translateToDuckDb(sql: string, dialect: SqlDialect): string {
  const tokens = tokenize(sql, dialect);
  return translateFunction(tokens, dialect) ?? emit(tokens, 0, tokens.length, dialect).trim().replace(/;$/, '');
}

/** A column of a DuckDB result, with DuckDB's type name (`VARCHAR`, `BOOLEAN`, `BIGINT`, `BLOB`...). */
export interface DuckDbColumn {
  /** Name as DuckDB reports it (an alias as written). */
  name: string;
  /** DuckDB type name. */
  type: string;
}

/** A statement's result: rows of JS values (string, boolean, number, bigint, Uint8Array for BLOB, or null). */
export interface DuckDbResult {
  /** Columns in order; empty for statements that return nothing (DDL). */
  columns: DuckDbColumn[];
  /** Rows, one value per column. */
  rows: unknown[][];
  /** True when the statement is a query (SELECT/WITH/VALUES) rather than DDL or DML. */
  isQuery: boolean;
}

/** One in-memory DuckDB database that runs a dialect's statements through the translation. */
export interface DialectOnDuckDb {
  /** The dialect it reads. */
  dialect: SqlDialect;
  /** Translates and runs `sql`; throws DuckDB's or the translation's error. */
  run(sql: string): Promise<DuckDbResult>;
  /** Translates and prepares `sql` without running it (a dry run: parse and bind errors, no side effects). */
  check(sql: string): Promise<void>;
  /** Runs DuckDB SQL as it is: for tests that call the translated functions with DuckDB's own table functions. */
  runDuckDb(sql: string): Promise<unknown[][]>;
  /** Closes the database. */
  close(): void;
}

const UTF8_KEEPING_BOM = new TextDecoder('utf-8', { ignoreBOM: true });

/** Opens an in-memory DuckDB for `dialect`. */
export async function openDialectOnDuckDb(dialect: SqlDialect): Promise<DialectOnDuckDb> {
  const db: DuckDBInstance = await openDuckDb(':memory:');
  const conn: DuckDBConnection = await db.connect();
  // One statement at a time, as a warehouse session runs them: the fakes' handlers are concurrent.
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(work: () => Promise<T>): Promise<T> => {
    const next = queue.then(work, work);
    queue = next.catch(() => undefined);
    return next;
  };
  return {
    dialect,
    run: (sql) =>
      serial(async () => {
        const translated = translateToDuckDb(sql, dialect);
        if (!/^\s*(select|with|values|from|\()/i.test(translated)) {
          await conn.run(translated);
          return { columns: [], rows: [], isQuery: false };
        }
        // Text comes back as its UTF-8 bytes, decoded here keeping a leading U+FEFF: the node API's own decoder
        // (a default TextDecoder) drops a BOM at the start of a string, which would turn "\uFEFF" into "". The
        // result is stored first so the statement is bound once (binding pinsync's inlined functions is the slow
        // part); a table keeps the statement's row order, read back by rowid.
        await conn.run(`CREATE OR REPLACE TEMP TABLE pinsync_fake_result AS ${translated}`);
        const described = await conn.runAndReadAll('SELECT * FROM pinsync_fake_result LIMIT 0');
        const types = described.columnTypes();
        const columns = described.columnNames().map((name, k) => ({ name, type: String(types[k]) }));
        const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;
        const picks = columns.map((c) => (c.type === 'VARCHAR' ? `encode(${quote(c.name)})` : quote(c.name)));
        const reader = await conn.runAndReadAll(`SELECT ${picks.join(', ')} FROM pinsync_fake_result ORDER BY rowid`);
        const rows = reader.getRows().map((row) =>
          row.map((v, k) => {
            if (v === null || typeof v !== 'object' || !('bytes' in v)) return v;
            const bytes = (v as { bytes: Uint8Array }).bytes;
            return columns[k]!.type === 'VARCHAR' ? UTF8_KEEPING_BOM.decode(bytes) : bytes;
          }),
        );
        return { columns, rows, isQuery: true };
      }),
    runDuckDb: (sql) => serial(async () => (await conn.runAndReadAll(sql)).getRowsJS() as unknown[][]),
    check: (sql) =>
      serial(async () => {
        const prepared = await conn.prepare(translateToDuckDb(sql, dialect));
        prepared.destroySync?.();
      }),
    close() {
      conn.closeSync();
      db.closeSync();
    },
  };
}

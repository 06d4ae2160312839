/**
 * Takes data out of error text before it is logged, stored or printed. Warehouses quote the offending value when a
 * cast or a constraint fails (`Could not convert string 'jane@example.com' to INT32`, Postgres' `Key (email)=(…)`),
 * and that value is usually the raw identifier pinsync promises never to show (DESIGN §2). What stays is what makes
 * the error useful: its class, the SQL (identifiers, keywords), `LINE n:` and the caret, SQLSTATEs and pinsync's own
 * wording. Pure and idempotent, so every layer may apply it again.
 */

/** What a quoted value becomes. */
export const REDACTED = '<redacted>';

// Letters and digits: a quote between two of them is an apostrophe (`Pinterest's`), not a string delimiter.
const WORD = String.raw`\p{L}\p{N}`;

// Words after which a single-quoted text is a name, not a value: Snowflake's object names, and the path of Node's
// file-system errors (`ENOENT: no such file or directory, open '/etc/key.json'`).
const NAME_KINDS =
  '(?:Object|Table|View|Schema|Database|Warehouse|Stage|Function|Role|Column|column|identifier|open|stat|lstat|access|mkdir|scandir|readlink|realpath|unlink|rename|chmod|rmdir|copyfile)';

// Characters that end an email-shaped token in running text; `/` keeps paths such as node_modules/@scope/pkg intact.
const NOT_EMAIL = String.raw`\s@/\\'"\x60<>()\[\],;:`;

const RULES: readonly [RegExp, string][] = [
  // Postgres details: `Key (email)=(jane@example.com) already exists.`, `Failing row contains (…).`
  [/(\bKey \([^)\n]*\)=\()[^\n]*?(\) (?:already exists|is not present|is still referenced|conflicts with))/g, `$1${REDACTED}$2`],
  [/(\bKey \([^)\n]*\)=\()[^\n]*\)/g, `$1${REDACTED})`],
  [/(\bFailing row contains \()[^\n]*\)/g, `$1${REDACTED})`],
  // BigQuery: `Bad int64 value: jane@example.com; error in …` quotes nothing, so the value runs to `;` or the line end.
  [/(\bBad [\w ]{1,30} value: )[^;\n]*/g, `$1${REDACTED}`],
  // Single-quoted SQL string literals and values (DuckDB, Snowflake, and the user's own SQL in `LINE 1:`), except
  // names quoted that way (`Object 'DB.PUBLIC.T' does not exist`, `invalid identifier 'X'`, `open '/path'`).
  [new RegExp(String.raw`(?<![${WORD}])(?<!\b${NAME_KINDS} )'[^']*?'(?![${WORD}'])`, 'gu'), `'${REDACTED}'`],
  // Double quotes are identifiers in SQL (`column "mail"`, `near "selec"`, `Candidate bindings: "email"`), but data
  // after the words the engines use for a value: `string "…"`, `Input: "…"`, `format: "…"`, `for type integer: "…"`.
  [new RegExp(String.raw`(?<=\b(?:string|value|literal|Token|Input|input|format|range):? |\b(?:type|enum) [\w ]{1,40}: )"[^"\n]*"`, 'g'), `"${REDACTED}"`],
  // Shapes of raw identifiers, wherever they appear. One exception: the login of a database URL written the way
  // pinsync names a Postgres state (`postgres://svc@db.internal:5432/db`, with a port and a path) is a role, not an
  // address, and stays so the message still says which database failed. Anything else after `://` is scrubbed.
  [
    new RegExp(
      String.raw`(?<![^${NOT_EMAIL}])(?:(?<!://)|(?![^${NOT_EMAIL}]+@[^${NOT_EMAIL}]+\.[^${NOT_EMAIL}]+:\d+/))[^${NOT_EMAIL}]+@[^${NOT_EMAIL}]+\.[^${NOT_EMAIL}]+`,
      'g',
    ),
    '<email>',
  ],
  [/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, '<device-id>'],
  [/\b(?:[0-9a-f]{64}|[0-9a-f]{40}|[0-9a-f]{32})\b/gi, '<hash>'],
  // Phone numbers: international (+, then at least 7 digits) or grouped 3-3-4; bare digit runs stay (they are ids).
  [/(?<![\w+])\+\d(?:[\s().-]?\d){6,14}(?!\w)/g, '<phone>'],
  [/(?<![\w(])(?:\(\d{3}\)\s?|\d{3}[\s.-])\d{3}[\s.-]\d{4}(?!\w)/g, '<phone>'],
];

/** `text` with quoted values and anything shaped like an email, device id, phone number or digest replaced. */
export function scrubErrorText(text: string): string {
  // DuckDB's `LINE n: <sql>` is followed by a caret under the error's position: placeholders change the line's
  // length, so the caret moves by what the placeholders before it added or removed.
  const withLines = text.replace(/(LINE \d+: )([^\n]*)\n( *)\^/g, (_, label: string, line: string, pad: string) => {
    const column = pad.length - label.length;
    const moved = column >= 0 ? applyRules(line.slice(0, column)).length : column;
    return `${label}${applyRules(line)}\n${' '.repeat(Math.max(0, label.length + moved))}^`;
  });
  return applyRules(withLines);
}

function applyRules(text: string): string {
  let out = text;
  for (const [pattern, replacement] of RULES) out = out.replace(pattern, replacement);
  return out;
}

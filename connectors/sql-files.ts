/**
 * Loads our own SQL from `sql/`: `sql/<engine>/<name>.sql` overrides `sql/default/<name>.sql`. Files are read once
 * and cached; they ship with the package (see `files` in package.json).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SQL_ROOT = findSqlRoot(dirname(fileURLToPath(import.meta.url)));
const cache = new Map<string, string>();

// Works from the sources (connectors/) and from the build (dist/connectors/): walk up to the folder holding sql/.
function findSqlRoot(start: string): string {
  let dir = start;
  for (let i = 0; i < 4; i++) {
    const candidate = join(dir, 'sql');
    try {
      readFileSync(join(candidate, 'README.md'));
      return candidate;
    } catch {
      dir = dirname(dir);
    }
  }
  throw new Error(`pinsync: cannot find the sql/ folder above ${start}`);
}

/** The text of `<name>.sql` for `engine`, falling back to the default dialect. */
export function loadSql(engine: string, name: string): string {
  const key = `${engine}/${name}`;
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  let text: string;
  try {
    text = readFileSync(join(SQL_ROOT, engine, `${name}.sql`), 'utf8');
  } catch {
    text = readFileSync(join(SQL_ROOT, 'default', `${name}.sql`), 'utf8');
  }
  cache.set(key, text);
  return text;
}

/**
 * Replaces `{{name}}` placeholders. Only for identifiers and SQL fragments we generate ourselves; user values are
 * always bound as parameters.
 */
export function renderSql(template: string, vars: Readonly<Record<string, string>>): string {
  return template.replace(/\{\{(\w+)\}\}/g, (_, name: string) => {
    const value = vars[name];
    if (value === undefined) throw new Error(`SQL template variable {{${name}}} has no value`);
    return value;
  });
}

/** Splits a file of `;`-terminated statements (no semicolons inside string literals in our files). */
export function splitStatements(text: string): string[] {
  return text
    .split(/;\s*(?:\n|$)/)
    .map((s) => s.replace(/^\s*--.*$/gm, '').trim())
    .filter((s) => s.length > 0);
}

/** Renders a path into the config the way users read it: `syncs[0].identifiers.email`. */

const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** `['syncs', 0, 'identifiers', 'email']` → `syncs[0].identifiers.email`; odd keys are quoted (`identifiers["First Name"]`). */
export function formatConfigPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (typeof key === 'string' && PLAIN_KEY.test(key)) out += out === '' ? key : `.${key}`;
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out;
}

/** The inverse of `formatConfigPath`: `syncs[0].identifiers["First Name"]` → `['syncs', 0, 'identifiers', 'First Name']`. */
export function parseConfigPath(text: string): PropertyKey[] {
  const out: PropertyKey[] = [];
  const token = /\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]|\.?([^.[]+)/gy;
  let match: RegExpExecArray | null;
  while (token.lastIndex < text.length && (match = token.exec(text)) !== null) {
    if (match[1] !== undefined) out.push(Number(match[1]));
    else if (match[2] !== undefined) out.push(JSON.parse(match[2]) as string);
    else out.push(match[3]!);
  }
  return out;
}

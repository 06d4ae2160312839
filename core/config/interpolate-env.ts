/**
 * `${VAR}` and `${VAR:-default}` substitution. It runs on the parsed YAML document, string scalars only, so a
 * secret holding `#`, `: ` or a quote cannot change how the file parses (text substitution before parsing would
 * let it), and substituted values are never scanned again (a `${` inside a secret stays literal).
 * `$${` writes a literal `${`. As in the shell, `:-` uses the default when the variable is unset or empty.
 */
import { isAlias, isMap, isPair, isScalar, isSeq, type Document, type Node } from 'yaml';
import type { ConfigIssue } from '../errors.js';
import { formatConfigPath } from './format-config-path.js';

/** Where variables come from: `process.env` or any plain object in tests. */
export type EnvSource = Readonly<Record<string, string | undefined>>;

/** The outcome of interpolating one string. */
export interface InterpolatedString {
  /** The text with every reference replaced (an unset variable without default becomes `''`). */
  value: string;
  /** Problems found, as messages without a path; empty when all went well. */
  problems: string[];
  /** Variables referenced without a default that are not set (each also has its entry in `problems`). */
  unset: string[];
}

/** A value whose variables were not set, left unset instead of being an error (see `InterpolateOptions.defer`). */
export interface DeferredValue {
  /** Where the value is, as keys and indexes from the document root. */
  path: PropertyKey[];
  /** The variables that were not set. */
  variables: string[];
}

/** Options of `interpolateEnv`. */
export interface InterpolateOptions {
  /**
   * Values at paths for which this returns true may reference unset variables: instead of an issue, the value is
   * emptied and reported to `onDeferred` (other problems, such as a malformed reference, stay issues).
   */
  defer?: (path: readonly PropertyKey[]) => boolean;
  /** Receives each deferred value. */
  onDeferred?: (value: DeferredValue) => void;
}

const TOKEN = /\$\$\{|\$\{([^}]*)\}|\$\{/g;
const REFERENCE = /^([A-Za-z_][A-Za-z0-9_]*)(?::-([\s\S]*))?$/;

/** Replaces `${VAR}`, `${VAR:-default}` and `$${` in one string. */
export function interpolateString(text: string, env: EnvSource): InterpolatedString {
  const problems: string[] = [];
  const unset: string[] = [];
  const value = text.replace(TOKEN, (token: string, body: string | undefined) => {
    if (token === '$${') return '${';
    if (body === undefined) {
      problems.push('unterminated ${ (write $${ for a literal ${)');
      return token;
    }
    const ref = REFERENCE.exec(body.trim());
    if (!ref) {
      problems.push(`invalid reference \${${body}}: expected \${NAME} or \${NAME:-default} (write $\${ for a literal \${)`);
      return token;
    }
    const [, name, fallback] = ref as unknown as [string, string, string | undefined];
    if (fallback?.includes('${')) {
      problems.push(`nested references are not supported in the default of \${${name}:-…}`);
      return token;
    }
    const set = env[name];
    if (fallback !== undefined) return set === undefined || set === '' ? fallback : set;
    if (set === undefined) {
      problems.push(`environment variable ${name} is not set`);
      unset.push(name);
      return '';
    }
    return set;
  });
  return { value, problems, unset };
}

/**
 * Interpolates every string scalar value of `doc` in place (mapping keys are left alone) and returns the problems,
 * each located by its path in the config.
 */
export function interpolateEnv(doc: Document, env: EnvSource, opts: InterpolateOptions = {}): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const walk = (node: unknown, path: PropertyKey[]): void => {
    // Aliases point at a node that is interpolated where its anchor is defined.
    if (isAlias(node)) return;
    if (isScalar(node)) {
      if (typeof node.value !== 'string') return;
      const { value, problems, unset } = interpolateString(node.value, env);
      // Only when every problem is an unset variable: a malformed reference is a mistake in the file, not a secret
      // that this machine lacks.
      if (unset.length > 0 && unset.length === problems.length && opts.defer?.(path) === true) {
        // Emptied, not half-substituted: `Bearer ${TOKEN}` must not turn into a value that looks set.
        node.value = '';
        opts.onDeferred?.({ path, variables: unset });
        return;
      }
      node.value = value;
      for (const message of problems) issues.push({ path: formatConfigPath(path), message });
    } else if (isMap(node)) {
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
        walk(pair.value, [...path, key]);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => walk(item, [...path, i]));
    }
  };
  walk(doc.contents as Node | null, []);
  return issues;
}

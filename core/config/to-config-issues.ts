/**
 * Turns zod's issues into `ConfigIssue`s a user can act on: one issue per unknown key with a "did you mean" hint,
 * "required" for missing values, union failures reduced to the branch the user evidently meant. Messages never
 * include the offending value (it may be a secret), except names and type tags that are not.
 */
import type { z } from 'zod';
import type { ConfigIssue } from '../errors.js';
import { isRecord } from './config-fields.js';
import { closestMatch, didYouMean } from './did-you-mean.js';
import { formatConfigPath } from './format-config-path.js';

type Schema = z.core.$ZodType;
type ZodIssue = z.core.$ZodIssue;

/**
 * Converts `issues` from validating `input` against `schema`. Both are needed: the input to tell "missing" from
 * "wrong", the schema to list the keys allowed where an unknown key was found.
 */
export function toConfigIssues(issues: readonly ZodIssue[], schema: Schema, input: unknown): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  const hinted = new Set<string>();
  const visit = (issue: ZodIssue, prefix: readonly PropertyKey[]): void => {
    const path = [...prefix, ...issue.path];
    const add = (message: string, at: readonly PropertyKey[] = path): void => {
      out.push({ path: formatConfigPath(at), message });
    };
    switch (issue.code) {
      case 'unrecognized_keys': {
        const allowed = allowedKeysAt(schema, input, path);
        for (const key of issue.keys) {
          const match = closestMatch(key, allowed);
          if (match !== undefined) hinted.add(formatConfigPath([...path, match]));
          const hint = match !== undefined ? `; did you mean "${match}"?` : allowed.length ? `; allowed keys: ${allowed.join(', ')}` : '';
          add(`unknown key "${key}"${hint}`, [...path, key]);
        }
        return;
      }
      case 'invalid_union': {
        if (issue.discriminator !== undefined) {
          const options = ('options' in issue ? (issue.options ?? []) : []).map(String);
          const given = valueAt(input, path);
          if (given === undefined || given === '') return add(`required: one of ${options.join(', ')}`);
          const hint = typeof given === 'string' ? didYouMean(given, options) : '';
          return add(`unknown ${issue.discriminator} ${JSON.stringify(String(given))}${hint || `; expected one of ${options.join(', ')}`}`);
        }
        // The branch that got past the type check is the one the user meant; report its problems, not "Invalid input".
        const meant = issue.errors.filter((branch) => !branch.some((e) => e.path.length === 0 && e.code === 'invalid_type'));
        if (meant.length === 1) return meant[0]!.forEach((inner) => visit(inner, path));
        return add(issue.message);
      }
      case 'invalid_key':
        return issue.issues.forEach((inner) => add(`invalid name: ${inner.message}`, [...path, ...inner.path]));
      case 'invalid_type': {
        const given = valueAt(input, path);
        if (given === undefined) return add('required');
        if (given === '') return add('required (the value is empty)');
        if (!issue.message.startsWith('Invalid input')) return add(issue.message);
        return add(`must be ${article(issue.expected)} (got ${kindOf(given)})`);
      }
      default:
        return add(issue.message);
    }
  };
  for (const issue of issues) visit(issue, []);
  // A misspelled key also makes its correct spelling "required"; the did-you-mean already says so.
  const seen = new Set<string>();
  return out.filter((i) => {
    if (hinted.has(i.path) && i.message.startsWith('required')) return false;
    const key = `${i.path}\u0000${i.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function article(expected: string): string {
  if (expected === 'object') return 'a mapping';
  if (expected === 'array') return 'a list';
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `a ${typeof value}`;
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const key of path) {
    if (isRecord(value) && typeof key === 'string') value = value[key];
    else if (Array.isArray(value) && typeof key === 'number') value = value[key] as unknown;
    else return undefined;
  }
  return value;
}

// The subset of zod 4's `_zod.def` this walk reads: enough to follow objects, records, arrays, unions and wrappers.
interface SchemaDef {
  type: string;
  innerType?: Schema;
  in?: Schema;
  out?: Schema;
  options?: Schema[];
  discriminator?: string;
  shape?: Record<string, Schema>;
  valueType?: Schema;
  element?: Schema;
}

const defOf = (schema: Schema): SchemaDef => schema._zod.def as unknown as SchemaDef;

/** The object schemas `schema` may stand for at this point of the input (wrappers removed, union branch picked). */
function objectsFor(schema: Schema, data: unknown): Schema[] {
  const def = defOf(schema);
  if (def.innerType) return objectsFor(def.innerType, data);
  if (def.type === 'pipe') return [...(def.in ? objectsFor(def.in, data) : []), ...(def.out ? objectsFor(def.out, data) : [])];
  if (def.type === 'union' && def.options) {
    const tag = def.discriminator;
    if (tag !== undefined && isRecord(data)) {
      const chosen = def.options.filter((o) => o._zod.propValues?.[tag]?.has(data[tag] as never));
      if (chosen.length > 0) return chosen.flatMap((o) => objectsFor(o, data));
    }
    return def.options.flatMap((o) => objectsFor(o, data));
  }
  return [schema];
}

function allowedKeysAt(root: Schema, input: unknown, path: readonly PropertyKey[]): string[] {
  let schemas = objectsFor(root, input);
  for (let depth = 0; depth < path.length; depth++) {
    const key = path[depth]!;
    const value = valueAt(input, path.slice(0, depth + 1));
    schemas = schemas.flatMap((schema) => {
      const def = defOf(schema);
      const next = def.type === 'object' ? def.shape?.[String(key)] : def.type === 'record' ? def.valueType : def.type === 'array' ? def.element : undefined;
      return next ? objectsFor(next, value) : [];
    });
  }
  return [...new Set(schemas.flatMap((schema) => Object.keys(defOf(schema).shape ?? {})))];
}

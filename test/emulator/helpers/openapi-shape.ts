/**
 * A small checker for the subset of OpenAPI 3.0 schema keywords the Pinterest spec uses on the emulator's
 * responses ($ref, allOf, type, nullable, enum, pattern, maxLength, required, properties, items). It exists so the
 * emulator's bodies are held to the official schemas now; full ajv validation can replace it later. `strict` also
 * flags properties the schema does not declare, so the emulator cannot drift into inventing fields.
 */
import { readFileSync } from 'node:fs';

type Schema = Record<string, unknown>;

const spec = JSON.parse(readFileSync(new URL('../fixtures/pinterest-v5-openapi.json', import.meta.url), 'utf8')) as {
  components: { schemas: Record<string, Schema> };
  paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: Schema }> }> }>>;
};

/** A named component schema, e.g. `CustomerList`. */
export function componentSchema(name: string): Schema {
  const schema = spec.components.schemas[name];
  if (schema === undefined) throw new Error(`no schema ${name}`);
  return schema;
}

/** The 200 response schema of an operation, e.g. (`/ad_accounts/{ad_account_id}/customer_lists`, `get`). */
export function responseSchema(path: string, method: string): Schema {
  const schema = spec.paths[path]?.[method]?.responses['200']?.content?.['application/json']?.schema;
  if (schema === undefined) throw new Error(`no 200 schema for ${method} ${path}`);
  return schema;
}

function resolve(schema: Schema): Schema {
  const ref = schema.$ref;
  if (typeof ref !== 'string') return schema;
  return resolve(componentSchema(ref.replace('#/components/schemas/', '')));
}

/** Every mismatch between `value` and `schema`, as `path: problem` strings (empty = valid). */
export function schemaErrors(value: unknown, schema: Schema, opts: { strict?: boolean } = {}, at = '$'): string[] {
  const s = resolve(schema);
  const errors: string[] = [];
  const declared = new Set<string>();
  collectProperties(s, declared);

  if (Array.isArray(s.allOf)) {
    for (const part of s.allOf as Schema[]) errors.push(...schemaErrors(value, part, { strict: false }, at));
  }
  if (value === null) {
    if (s.nullable !== true && s.type !== undefined) errors.push(`${at}: null but not nullable`);
    return errors;
  }
  switch (s.type) {
    case 'string':
      if (typeof value !== 'string') errors.push(`${at}: expected string, got ${typeof value}`);
      else {
        if (typeof s.pattern === 'string' && !new RegExp(s.pattern).test(value)) errors.push(`${at}: '${value}' !~ ${s.pattern}`);
        if (typeof s.maxLength === 'number' && value.length > s.maxLength) errors.push(`${at}: longer than ${s.maxLength}`);
      }
      break;
    case 'integer':
      if (!Number.isInteger(value)) errors.push(`${at}: expected integer, got ${JSON.stringify(value)}`);
      break;
    case 'number':
      if (typeof value !== 'number') errors.push(`${at}: expected number, got ${typeof value}`);
      break;
    case 'boolean':
      if (typeof value !== 'boolean') errors.push(`${at}: expected boolean`);
      break;
    case 'array':
      if (!Array.isArray(value)) errors.push(`${at}: expected array`);
      else if (s.items !== undefined) value.forEach((item, i) => errors.push(...schemaErrors(item, s.items as Schema, opts, `${at}[${i}]`)));
      break;
    case 'object':
      if (typeof value !== 'object' || Array.isArray(value)) errors.push(`${at}: expected object`);
      break;
  }
  if (Array.isArray(s.enum) && !s.enum.includes(value)) errors.push(`${at}: ${JSON.stringify(value)} not in enum`);
  if (typeof value === 'object' && !Array.isArray(value)) {
    const obj = value as Record<string, unknown>;
    for (const key of (s.required as string[] | undefined) ?? []) if (!(key in obj)) errors.push(`${at}: missing required ${key}`);
    const props = (s.properties ?? {}) as Record<string, Schema>;
    for (const [key, propSchema] of Object.entries(props)) {
      if (key in obj) errors.push(...schemaErrors(obj[key], propSchema, opts, `${at}.${key}`));
    }
    if (opts.strict === true && declared.size > 0) {
      for (const key of Object.keys(obj)) if (!declared.has(key)) errors.push(`${at}: undeclared property ${key}`);
    }
  }
  return errors;
}

function collectProperties(schema: Schema, into: Set<string>): void {
  const s = resolve(schema);
  for (const key of Object.keys((s.properties ?? {}) as object)) into.add(key);
  if (Array.isArray(s.allOf)) for (const part of s.allOf as Schema[]) collectProperties(part, into);
}

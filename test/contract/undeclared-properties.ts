/**
 * Properties of a value that no applicable schema declares. JSON Schema allows undeclared properties unless a schema
 * says `additionalProperties: false`, which Pinterest's spec never does, and `additionalProperties` cannot see
 * through `allOf` anyway. This walks the value alongside every schema that applies to it (`$ref` and `allOf`
 * flattened, discriminator variants passed in by the caller) and reports a property only when none declares it.
 * A schema with no `properties` at all (`exceptions: {type: object}`) is open and reports nothing.
 */

type Schema = Record<string, unknown>;

/** Follows `$ref`s to the schema they name. */
export type SchemaResolver = (schema: Schema) => Schema;

/** JSON-pointer-like paths (`/items/0/extra`) of undeclared properties in `value`. */
export function undeclaredProperties(value: unknown, schemas: readonly Schema[], resolve: SchemaResolver): string[] {
  const out: string[] = [];
  walk(value, schemas, '', resolve, out);
  return out;
}

function walk(value: unknown, schemas: readonly Schema[], at: string, resolve: SchemaResolver, out: string[]): void {
  const parts = flatten(schemas, resolve);
  if (Array.isArray(value)) {
    const items = parts.flatMap((p) => (isSchema(p.items) ? [p.items] : []));
    if (items.length > 0) value.forEach((item, i) => walk(item, items, `${at}/${i}`, resolve, out));
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  const declared = new Map<string, Schema[]>();
  let open = false;
  for (const part of parts) {
    if (part.additionalProperties === true || isSchema(part.additionalProperties)) open = true;
    for (const [key, schema] of Object.entries((part.properties ?? {}) as Record<string, Schema>)) {
      declared.set(key, [...(declared.get(key) ?? []), schema]);
    }
  }
  for (const [key, child] of Object.entries(value)) {
    const childSchemas = declared.get(key);
    if (childSchemas !== undefined) walk(child, childSchemas, `${at}/${key}`, resolve, out);
    else if (declared.size > 0 && !open) out.push(`${at}/${key}`);
  }
}

/** Every schema that applies to the same value: refs resolved, `allOf` members expanded. */
function flatten(schemas: readonly Schema[], resolve: SchemaResolver): Schema[] {
  const out: Schema[] = [];
  const visit = (schema: Schema, depth: number): void => {
    if (depth > 20) return;
    const s = resolve(schema);
    out.push(s);
    if (Array.isArray(s.allOf)) for (const member of s.allOf as Schema[]) visit(member, depth + 1);
  };
  for (const schema of schemas) visit(schema, 0);
  return out;
}

function isSchema(value: unknown): value is Schema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

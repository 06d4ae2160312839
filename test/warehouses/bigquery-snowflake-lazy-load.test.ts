/**
 * The BigQuery and Snowflake SDKs load only when a sync uses them: no static (value) import of either SDK, or of
 * google-auth-library, may be reachable from the CLI, core or the DuckDB path, and the connectors themselves only
 * reach them through `await import()`. snowflake-sdk probes cloud metadata addresses as soon as it loads unless an
 * environment variable is set first, so for it this is a network-safety property, not just start-up time.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const SDKS = ['snowflake-sdk', '@google-cloud/bigquery', 'google-auth-library'];
const STATIC_IMPORT = /^\s*(?:import|export)\s+(type\s+)?([^;]*?)\s*from\s*['"]([^'"]+)['"]|^\s*import\s+['"]([^'"]+)['"]/gm;

/** Value imports of a file: specifiers of static imports that survive compilation (not `import type`). */
function valueImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(STATIC_IMPORT)) {
    if (m[4] !== undefined) {
      out.push(m[4]);
      continue;
    }
    const clause = m[2]!.trim();
    const braces = /^\{([\s\S]*)\}$/.exec(clause);
    const allTypes = braces !== undefined && braces !== null && braces[1]!.split(',').every((s) => s.trim() === '' || /^type\s/.test(s.trim()));
    if (m[1] === undefined && !allTypes) out.push(m[3]!);
  }
  return out;
}

/** Every project file reached from `entries` through value imports, with the import that reached an SDK. */
function reach(entries: string[]): { files: Set<string>; sdkImports: string[] } {
  const files = new Set<string>();
  const sdkImports: string[] = [];
  const queue = [...entries];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (files.has(file)) continue;
    files.add(file);
    for (const spec of valueImports(file)) {
      if (spec.startsWith('.')) queue.push(resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
      else if (SDKS.some((sdk) => spec === sdk || spec.startsWith(`${sdk}/`))) sdkImports.push(`${relative(ROOT, file)} imports ${spec}`);
    }
  }
  return { files, sdkImports };
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? tsFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

describe('BigQuery and Snowflake SDKs load lazily', () => {
  it('are not statically reachable from the CLI, core or the DuckDB connector', () => {
    const entries = [join(ROOT, 'cli/pinsync.ts'), join(ROOT, 'connectors/warehouses/create-warehouse.ts'), ...tsFiles(join(ROOT, 'core')), ...tsFiles(join(ROOT, 'connectors/warehouses/duckdb'))];
    const { files, sdkImports } = reach(entries);
    expect(files.size).toBeGreaterThan(20);
    expect(sdkImports).toEqual([]);
  });

  it('are imported by the connectors only through await import()', () => {
    const connectorFiles = [...tsFiles(join(ROOT, 'connectors/warehouses/bigquery')), ...tsFiles(join(ROOT, 'connectors/warehouses/snowflake'))];
    expect(reach(connectorFiles).sdkImports).toEqual([]);
    const dynamic = connectorFiles.flatMap((f) => [...readFileSync(f, 'utf8').matchAll(/await import\('([^']+)'\)/g)].map((m) => m[1]));
    expect(dynamic.sort()).toEqual(['@google-cloud/bigquery', 'snowflake-sdk']);
  });
});

/**
 * The tree's promises, checked on every import specifier of the product's sources (static, `export … from` and
 * dynamic `import()`), as the TypeScript compiler itself lists them: core/ is pure (no SDK, no connectors/ or
 * cli/), connectors/ never reach into the emulator or the CLI, and the emulator is a product of its own that
 * imports nothing from core/, connectors/ or cli/. A folder that moves without its imports moving breaks here
 * rather than in a newcomer's head.
 */
import { readdir, readFile } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** The product's top-level source folders; test/, bench/, demo/ and scripts/ may import any of them. */
const TREES = ['core', 'connectors', 'emulators', 'cli'] as const;
type Tree = (typeof TREES)[number];

/** Which top-level folders each tree may import from (its own included). */
const MAY_IMPORT: Record<Tree, readonly string[]> = {
  core: ['core'],
  connectors: ['core', 'connectors'],
  emulators: ['emulators'],
  cli: ['core', 'connectors', 'emulators', 'cli'],
};

/**
 * The packages core/ may use besides Node's built-ins: parsing and validation only. Anything else (a warehouse or
 * state SDK such as `@duckdb/node-api`, `pg`, `kysely`, `@google-cloud/*`, `snowflake-sdk`, or `undici`) belongs in
 * connectors/, so core stays testable without them. croner (core/schedule) computes cron ticks: no I/O, and no timer
 * unless given a callback, which core never does.
 */
const CORE_PACKAGES = ['zod', 'yaml', 'croner'];

const BUILTINS = new Set(builtinModules);

/** One import of one file: the file (repo-relative, `/`-separated) and the specifier as written. */
interface ImportEdge {
  /** The importing file, e.g. `core/sync-engine.ts`. */
  file: string;
  /** The specifier, e.g. `../connectors/pinterest/http/pinterest-client.js` or `pg`. */
  specifier: string;
}

/** The rule an import breaks, or undefined when it keeps them all. */
function violationOf({ file, specifier }: ImportEdge): string | undefined {
  const tree = file.split('/')[0] as Tree;
  if (!TREES.includes(tree)) return undefined;
  if (specifier.startsWith('.')) {
    const target = relative(REPO_ROOT, resolve(REPO_ROOT, dirname(file), specifier)).split(sep).join('/');
    const targetTree = target.split('/')[0]!;
    if (target.startsWith('..') || !MAY_IMPORT[tree].includes(targetTree)) {
      return `${file} imports ${specifier}: ${tree}/ may import only from ${MAY_IMPORT[tree].map((t) => `${t}/`).join(', ')}`;
    }
    return undefined;
  }
  if (tree !== 'core') return undefined;
  const bare = specifier.startsWith('node:') ? specifier.slice('node:'.length) : specifier;
  if (BUILTINS.has(bare) || BUILTINS.has(bare.split('/')[0]!)) return undefined;
  const pkg = specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]!;
  if (CORE_PACKAGES.includes(pkg)) return undefined;
  return `${file} imports ${specifier}: core/ is pure (Node built-ins and ${CORE_PACKAGES.join(', ')} only); SDKs belong in connectors/`;
}

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(join(REPO_ROOT, dir), { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile() && /\.(c|m)?ts$/.test(e.name) && !e.name.endsWith('.d.ts'))
    .map((e) => relative(REPO_ROOT, join(e.parentPath, e.name)).split(sep).join('/'))
    .sort();
}

async function importsOf(file: string): Promise<ImportEdge[]> {
  const text = await readFile(join(REPO_ROOT, file), 'utf8');
  // preProcessFile is the compiler's own scanner: it sees multi-line, type-only, re-export and dynamic imports alike.
  const { importedFiles } = ts.preProcessFile(text, true, true);
  return importedFiles.map((f) => ({ file, specifier: f.fileName }));
}

async function importsOfTree(tree: Tree): Promise<{ files: string[]; edges: ImportEdge[] }> {
  const files = await sourceFiles(tree);
  const edges = (await Promise.all(files.map(importsOf))).flat();
  return { files, edges };
}

describe('import boundaries', () => {
  it('core/ imports no SDK and nothing from connectors/, emulators/ or cli/', async () => {
    const { files, edges } = await importsOfTree('core');
    expect(files.length).toBeGreaterThan(10);
    expect(edges.some((e) => e.specifier === 'zod')).toBe(true);
    expect(edges.map(violationOf).filter(Boolean)).toEqual([]);
  });

  it('connectors/ never import the emulator or the CLI', async () => {
    const { files, edges } = await importsOfTree('connectors');
    expect(files.length).toBeGreaterThan(10);
    expect(edges.some((e) => e.specifier.includes('/core/'))).toBe(true);
    expect(edges.map(violationOf).filter(Boolean)).toEqual([]);
  });

  it('emulators/ import nothing from core/, connectors/ or cli/', async () => {
    const { files, edges } = await importsOfTree('emulators');
    expect(files.length).toBeGreaterThan(10);
    expect(edges.some((e) => e.specifier.startsWith('./'))).toBe(true);
    expect(edges.map(violationOf).filter(Boolean)).toEqual([]);
  });

  it('cli/ imports no test, bench or demo code', async () => {
    const { files, edges } = await importsOfTree('cli');
    expect(files.length).toBeGreaterThan(5);
    expect(edges.map(violationOf).filter(Boolean)).toEqual([]);
  });

  it('the rules catch what they forbid', () => {
    const broken: ImportEdge[] = [
      { file: 'connectors/pinterest/pinterest-config.ts', specifier: '../../emulators/pinterest/emulator-options.js' },
      { file: 'core/sync-engine.ts', specifier: '../emulators/pinterest/index.js' },
      { file: 'core/sync-engine.ts', specifier: '../connectors/state/open-state-store.js' },
      { file: 'core/sync-engine.ts', specifier: '../cli/exit-codes.js' },
      { file: 'core/sync-engine.ts', specifier: 'pg' },
      { file: 'core/sync-engine.ts', specifier: '@duckdb/node-api' },
      { file: 'core/config/load-config.ts', specifier: '@google-cloud/bigquery' },
      { file: 'core/sync-engine.ts', specifier: 'kysely' },
      { file: 'emulators/pinterest/emulator-server.ts', specifier: '../../core/errors.js' },
      { file: 'emulators/pinterest/routes/oauth-routes.ts', specifier: '../../../connectors/pinterest/oauth/pinterest-oauth-tokens.js' },
      { file: 'emulators/pinterest/index.ts', specifier: '../../cli/commands/run-emulator-cli.js' },
      { file: 'connectors/state/open-state-store.ts', specifier: '../../cli/cli-io.js' },
      { file: 'cli/pinsync.ts', specifier: '../test/helpers/run-cli.js' },
    ];
    expect(broken.filter((e) => violationOf(e) === undefined)).toEqual([]);
    const fine: ImportEdge[] = [
      { file: 'core/sync-engine.ts', specifier: 'node:crypto' },
      { file: 'core/sync-engine.ts', specifier: 'node:fs/promises' },
      { file: 'core/config/load-config.ts', specifier: 'yaml' },
      { file: 'connectors/pinterest/http/pinterest-client.ts', specifier: '../../../core/errors.js' },
      { file: 'connectors/state/kysely-state-store.ts', specifier: 'kysely' },
      { file: 'cli/commands/run-emulator-cli.ts', specifier: '../../emulators/pinterest/emulator-server.js' },
    ];
    expect(fine.map(violationOf).filter(Boolean)).toEqual([]);
  });
});

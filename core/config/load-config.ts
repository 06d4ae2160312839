/**
 * Reads, interpolates, validates and resolves a config file. Every problem is collected before anything throws,
 * so `pinsync validate` can list them all in one go (a syntax error is the exception: past it the document's
 * shape is unknown).
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { ConfigError, type ConfigIssue } from '../errors.js';
import { configSchema, type PinsyncConfig } from './config-schema.js';
import { clearDeferred, deferredCredential, fillDeferred, isCredentialPath, type DeferredCredential } from './deferred-credentials.js';
import { formatConfigIssues } from './format-config-issues.js';
import { interpolateEnv, type EnvSource } from './interpolate-env.js';
import { resolveConfigPaths } from './resolve-config-paths.js';
import { sortIssuesByPosition } from './sort-issues-by-position.js';
import { toConfigIssues } from './to-config-issues.js';

const MAX_SYNTAX_ERRORS = 3;

/** `-c/--config` when not given (DESIGN §1). */
export const DEFAULT_CONFIG_FILE = './pinsync.yaml';

/** A validated config with its paths resolved, and where it came from. */
export interface LoadedConfig extends PinsyncConfig {
  /** Absolute path of the config file (`<configDir>/(inline)` for text that came from no file). */
  configPath: string;
  /** Folder that relative paths in the config were resolved against. */
  configDir: string;
  /** Credentials left unset because their variables were not set (only with `deferCredentials`; else empty). */
  deferredCredentials: DeferredCredential[];
}

/** Options of `loadConfig`. */
export interface LoadConfigOptions {
  /**
   * Commands that never call Pinterest (plan, sync --dry-run, validate, runs) and the auth commands: an unset
   * `${VAR}` in a destination's `auth` block leaves that value unset and is listed in `deferredCredentials`
   * instead of failing the load. Whoever then calls Pinterest must check them (`missingCredentials`).
   */
  deferCredentials?: boolean;
}

/** Options of `parseConfigText`. */
export interface ParseConfigOptions {
  /** Variables for `${VAR}`; default: none, so tests never depend on the caller's environment. */
  env?: EnvSource;
  /** File the text came from (relative to the working directory): named in errors, returned as `configPath`. */
  configPath?: string;
  /** Folder relative paths resolve against; default: the folder of `configPath`, else the working directory. */
  configDir?: string;
  /** Names text that came from no file (`stdin`) in errors; default `config`. */
  label?: string;
  /** See `LoadConfigOptions.deferCredentials`. */
  deferCredentials?: boolean;
}

/** Parses and validates config text; throws `ConfigError` carrying every issue. */
export function parseConfigText(text: string, opts: ParseConfigOptions = {}): LoadedConfig {
  const configDir = resolve(opts.configDir ?? (opts.configPath !== undefined ? dirname(resolve(opts.configPath)) : process.cwd()));
  const configPath = opts.configPath !== undefined ? resolve(opts.configPath) : resolve(configDir, '(inline)');
  const fail = (issues: ConfigIssue[]) => configError(opts.configPath ?? opts.label ?? 'config', issues);

  const lineCounter = new LineCounter();
  // merge: YAML 1.1 `<<: *defaults` is how people share settings between entries; uniqueKeys: a repeated key is an error.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, merge: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    // One slip usually cascades into dozens of errors; the first few locate it. No source excerpt in the
    // messages: the line could hold a secret.
    const shown = doc.errors.slice(0, MAX_SYNTAX_ERRORS).map((err) => {
      const { line, col } = lineCounter.linePos(err.pos[0]);
      return { path: '', message: `YAML syntax error at line ${line}, column ${col}: ${firstLine(err.message)}` };
    });
    const more = doc.errors.length - shown.length;
    if (more > 0) shown.push({ path: '', message: `… and ${more} more YAML syntax ${more === 1 ? 'error' : 'errors'} after these` });
    throw fail(shown);
  }

  const deferred: DeferredCredential[] = [];
  const envIssues = interpolateEnv(
    doc,
    opts.env ?? {},
    opts.deferCredentials ? { defer: isCredentialPath, onDeferred: (value) => deferred.push(deferredCredential(value)) } : {},
  );
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    throw fail([...envIssues, { path: '', message: `cannot read the YAML document: ${firstLine((err as Error).message)}` }]);
  }
  if (data === null || data === undefined) throw fail([...envIssues, { path: '', message: 'the config is empty' }]);

  fillDeferred(data, deferred);
  const result = configSchema.safeParse(data);
  // A variable that is not set already explains why its value is wrong; say it once.
  const envPaths = new Set(envIssues.map((i) => i.path));
  const schemaIssues = result.success ? [] : toConfigIssues(result.error.issues, configSchema, data).filter((i) => !envPaths.has(i.path));
  const issues = sortIssuesByPosition([...envIssues, ...schemaIssues], doc);
  if (!result.success || issues.length > 0) throw fail(issues);
  clearDeferred(result.data, deferred);
  return { ...resolveConfigPaths(result.data, configDir), configPath, configDir, deferredCredentials: deferred };
}

/** Reads `file` (YAML), interpolates `${VAR}` from `env`, validates; throws `ConfigError` carrying every issue. */
export async function loadConfig(file: string = DEFAULT_CONFIG_FILE, env: EnvSource = process.env, opts: LoadConfigOptions = {}): Promise<LoadedConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const message =
      code === 'ENOENT'
        ? `config file ${file} not found; pass -c FILE`
        : code === 'EISDIR'
          ? `config file ${file} is a directory; pass -c FILE`
          : `cannot read config file ${file}: ${code ?? (err as Error).message}`;
    throw new ConfigError(message, [{ path: '', message }]);
  }
  return parseConfigText(text, { env, configPath: file, deferCredentials: opts.deferCredentials });
}

// The message carries the full list too, so a caller that prints only `err.message` still shows every problem.
function configError(label: string, issues: ConfigIssue[]): ConfigError {
  const count = issues.length === 1 ? '1 problem' : `${issues.length} problems`;
  return new ConfigError(`${label}: ${count} in the configuration\n${formatConfigIssues(issues, '  ')}`, issues);
}

function firstLine(message: string): string {
  return message.split('\n')[0]!.trim();
}

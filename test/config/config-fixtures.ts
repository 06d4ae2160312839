/** Builders for config tests: a minimal valid config as data, and helpers that parse it and collect the issues. */
import { stringify } from 'yaml';
import { parseConfigText, type LoadedConfig, type ParseConfigOptions } from '../../core/config/load-config.js';
import { ConfigError, type ConfigIssue } from '../../core/errors.js';

/** A fresh minimal valid config (one warehouse, one destination, one sync) to modify per test. */
export function minimalConfig(): Record<string, any> {
  return {
    warehouses: { local: { type: 'duckdb', path: 'warehouse.duckdb' } },
    destinations: { pinterest: { type: 'pinterest', adAccountId: '549755885175', auth: { accessToken: 'tok' } } },
    syncs: [
      {
        name: 'vip_customers',
        warehouse: 'local',
        query: 'select email from customers',
        identifiers: { email: 'email' },
        audience: { name: 'VIP customers' },
      },
    ],
  };
}

/** Parses `config` (YAML text, or data that is written out as YAML first). */
export function parse(config: string | object, opts: ParseConfigOptions = {}): LoadedConfig {
  return parseConfigText(typeof config === 'string' ? config : stringify(config), { configDir: '/cfg', ...opts });
}

/** The issues `parse` reports; fails the test if the config is valid or something else is thrown. */
export function issuesOf(config: string | object, opts: ParseConfigOptions = {}): ConfigIssue[] {
  try {
    parse(config, opts);
  } catch (err) {
    if (err instanceof ConfigError) return err.issues;
    throw err;
  }
  throw new Error('expected the config to be invalid');
}

/** The message of the one issue at `path` (fails when there is none or several). */
export function messageAt(issues: readonly ConfigIssue[], path: string): string {
  const found = issues.filter((i) => i.path === path);
  if (found.length !== 1) throw new Error(`expected one issue at ${path}, got: ${JSON.stringify(issues, null, 2)}`);
  return found[0]!.message;
}

import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { formatConfigIssues } from '../../core/config/format-config-issues.js';
import { formatConfigPath, parseConfigPath } from '../../core/config/format-config-path.js';
import { loadConfig } from '../../core/config/load-config.js';
import { ConfigError, EXIT } from '../../core/errors.js';
import { issuesOf, minimalConfig } from './config-fixtures.js';

const root = mkdtempSync(join(tmpdir(), 'pinsync-config-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function rejectionOf(promise: Promise<unknown>): Promise<ConfigError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConfigError);
  return err as ConfigError;
}

describe('loadConfig', () => {
  it('resolves relative paths against the config file folder, not the working directory', async () => {
    const dir = join(root, 'project', 'conf');
    mkdirSync(dir, { recursive: true });
    const c = minimalConfig();
    c.state = 'duckdb:state/pinsync.duckdb';
    c.warehouses = {
      local: { type: 'duckdb', path: '../data/w.duckdb' },
      mem: { type: 'duckdb', path: ':memory:' },
      abs: { type: 'duckdb', path: '/srv/w.duckdb' },
      bq: { type: 'bigquery', projectId: 'p', keyFilename: 'keys/bq.json' },
      sf: { type: 'snowflake', account: 'a', username: 'u', privateKeyPath: 'keys/sf.p8', warehouse: 'W', database: 'D', schema: 'S' },
      pg: { type: 'postgres', host: 'h', ssl: { caPath: 'certs/ca.pem' } },
    };
    const file = join(dir, 'pinsync.yaml');
    writeFileSync(file, stringify(c));

    const config = await loadConfig(file, {});
    expect(config.configPath).toBe(file);
    expect(config.configDir).toBe(dir);
    expect(config.state).toEqual({ kind: 'duckdb', path: join(dir, 'state/pinsync.duckdb') });
    expect(config.warehouses.local).toMatchObject({ path: join(root, 'project', 'data', 'w.duckdb') });
    expect(config.warehouses.mem).toMatchObject({ path: ':memory:' });
    expect(config.warehouses.abs).toMatchObject({ path: '/srv/w.duckdb' });
    expect(config.warehouses.bq).toMatchObject({ keyFilename: join(dir, 'keys/bq.json') });
    expect(config.warehouses.sf).toMatchObject({ privateKeyPath: join(dir, 'keys/sf.p8') });
    expect(config.warehouses.pg).toMatchObject({ ssl: { caPath: join(dir, 'certs/ca.pem') } });
  });

  it('leaves a postgres state URL alone', async () => {
    const file = join(root, 'pg-state.yaml');
    writeFileSync(file, stringify({ state: 'postgres://u:p@h:5432/db', ...minimalConfig() }));
    expect((await loadConfig(file, {})).state).toEqual({ kind: 'postgres', url: 'postgres://u:p@h:5432/db' });
  });

  it('says how to fix a missing config file', async () => {
    const err = await rejectionOf(loadConfig('./no-such-pinsync.yaml', {}));
    expect(err.issues).toEqual([{ path: '', message: 'config file ./no-such-pinsync.yaml not found; pass -c FILE' }]);
    expect(err.exitCode).toBe(EXIT.usage);
  });

  it('reports YAML syntax errors with line and column', async () => {
    const file = join(root, 'broken.yaml');
    writeFileSync(file, 'warehouses:\n  local: { type: duckdb, path: w.duckdb\nsyncs: []\n');
    const err = await rejectionOf(loadConfig(file, {}));
    expect(err.issues[0]!.message).toMatch(/^YAML syntax error at line \d+, column \d+: /);
    expect(err.issues.length).toBeLessThanOrEqual(4);
  });

  it('reports duplicate keys and an empty file', () => {
    expect(issuesOf('syncs: []\nsyncs: []\n')[0]!.message).toMatch(/line 2, column 1: .*unique/);
    expect(issuesOf('# nothing here\n')).toEqual([{ path: '', message: 'the config is empty' }]);
    expect(issuesOf('- a\n- b\n')).toEqual([{ path: '', message: 'must be a mapping (got a list)' }]);
  });

  it('puts every issue into the error message, one per line', async () => {
    const file = join(root, 'two-problems.yaml');
    const c = minimalConfig();
    c.syncs[0].name = 'Bad';
    c.syncs[0].warehouse = 'nowhere';
    writeFileSync(file, stringify(c));
    const err = await rejectionOf(loadConfig(file, {}));
    expect(err.message).toBe(`${file}: 2 problems in the configuration\n${formatConfigIssues(err.issues, '  ')}`);
    expect(formatConfigIssues(err.issues)).toBe(
      'syncs[0].name: must match [a-z0-9_]+ (lowercase letters, digits, underscore)\n' +
        'syncs[0].warehouse: unknown warehouse "nowhere"; defined warehouses: local',
    );
  });
});

describe('config paths', () => {
  it('formats and parses paths as users read them', () => {
    const path = ['syncs', 0, 'identifiers', 'First Name'];
    expect(formatConfigPath(path)).toBe('syncs[0].identifiers["First Name"]');
    expect(parseConfigPath(formatConfigPath(path))).toEqual(path);
    expect(formatConfigPath(['syncs', 10, 'identifiers', 'email'])).toBe('syncs[10].identifiers.email');
    expect(formatConfigPath([])).toBe('');
  });
});

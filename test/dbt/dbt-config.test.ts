/** The config's dbt parts: the `dbt:` block, `model:` as a sync's third kind of source, `tags:`. */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../core/config/load-config.js';
import { ConfigError, type ConfigIssue } from '../../core/errors.js';

const DIR = '/srv/pinsync';

function config(sync: string, extra: string[] = ['dbt: { projectDir: ../analytics }']) {
  return parseConfigText(
    [
      'warehouses: { wh: { type: duckdb, path: w.duckdb } }',
      'destinations: { p: { type: pinterest, adAccountId: "1", auth: { accessToken: t } } }',
      ...extra,
      'syncs:',
      `  - { name: s, warehouse: wh, audience: { name: A }, identifiers: { email: email }, ${sync} }`,
    ].join('\n'),
    { configDir: DIR },
  );
}

function issues(sync: string, extra?: string[]): ConfigIssue[] {
  try {
    config(sync, extra);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).issues;
  }
  throw new Error('expected a ConfigError');
}

describe('dbt: and model:', () => {
  it('resolves projectDir against the config folder and targetPath inside the project (default target/)', () => {
    expect(config('model: vip').dbt).toEqual({ projectDir: '/srv/analytics', targetPath: '/srv/analytics/target', blockOnWarn: false });
    expect(config('model: vip', ['dbt: { projectDir: ../analytics, targetPath: build/target, blockOnWarn: true }']).dbt).toMatchObject({
      targetPath: join('/srv/analytics', 'build/target'),
      blockOnWarn: true,
    });
    expect(config('model: vip', ['dbt: { projectDir: /abs/project, targetPath: /ci/artifacts }']).dbt).toMatchObject({ projectDir: '/abs/project', targetPath: '/ci/artifacts' });
  });

  it('takes model: name or package.name, and tags', () => {
    expect(config('model: analytics.vip_customers, tags: [crm, daily]').syncs[0]).toMatchObject({ model: 'analytics.vip_customers', tags: ['crm', 'daily'] });
    expect(config('query: select 1 as email').syncs[0]!.tags).toEqual([]);
  });

  it('a sync has exactly one source', () => {
    expect(issues('model: vip, query: select 1')).toEqual([{ path: 'syncs[0].model', message: 'set only one of query, table or model (this sync sets query and model)' }]);
    expect(issues('model: vip, table: a.b')).toEqual([{ path: 'syncs[0].model', message: 'set only one of query, table or model (this sync sets table and model)' }]);
    expect(issues('guardrails: {}')).toEqual([{ path: 'syncs[0].query', message: 'required: set query (SQL), table (e.g. analytics.vip_customers) or model (a dbt model)' }]);
  });

  it('a model source needs the dbt block', () => {
    expect(issues('model: vip', [])).toEqual([{ path: 'syncs[0].model', message: 'a model source needs the top-level dbt: { projectDir: ../your_dbt_project } block' }]);
  });

  it('says what is wrong with a model name, a tag, or the dbt block', () => {
    expect(issues('model: "select * from x"')).toEqual([{ path: 'syncs[0].model', message: 'must name a dbt model: model_name, or package_name.model_name' }]);
    expect(issues('model: vip, tags: ["a,b"]')).toEqual([{ path: 'syncs[0].tags[0]', message: 'tags may contain only letters, digits, _, . and -' }]);
    expect(issues('model: vip', ['dbt: { projectDir: x, blockOnWarning: true }'])).toEqual([{ path: 'dbt.blockOnWarning', message: 'unknown key "blockOnWarning"; did you mean "blockOnWarn"?' }]);
    expect(issues('model: vip', ['dbt: { targetPath: t }'])).toEqual([{ path: 'dbt.projectDir', message: 'required' }]);
    expect(issues('model: vip', ['dbt: { projectDir: x, owner: { team: growth } }'])).toEqual([
      { path: 'dbt.owner', message: 'set name or email (dbt requires one of them)' },
      { path: 'dbt.owner.team', message: 'unknown key "team"; allowed keys: name, email' },
    ]);
  });
});

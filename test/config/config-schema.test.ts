import { describe, expect, it } from 'vitest';
import { DEFAULT_STATE } from '../../core/config/state-schema.js';
import { issuesOf, messageAt, minimalConfig, parse } from './config-fixtures.js';

describe('config schema: defaults', () => {
  it('fills every default of a minimal config', () => {
    const config = parse(minimalConfig());
    expect(config.state).toEqual({ kind: 'duckdb', path: '/cfg/.pinsync/state.duckdb' });
    expect(DEFAULT_STATE).toBe('duckdb:.pinsync/state.duckdb');
    const dest = config.destinations.pinterest!;
    expect(dest.apiBaseUrl).toBe('https://api.pinterest.com/v5');
    expect(dest.batch).toEqual({ maxRecords: 10_000, maxBytes: 1_000_000 });
    expect(dest.retry).toEqual({ maxAttempts: 6, baseDelayMs: 500, maxDelayMs: 30_000, maxRateLimitWaitSeconds: 120 });
    expect(dest.rateLimits).toEqual({ adsWritePerMinute: 400, adsReadPerMinute: 1000 });
    const sync = config.syncs[0]!;
    expect(sync.destination).toBe('pinterest'); // the only destination
    expect(sync.guardrails).toEqual({ maxRemovePercent: 20, allowEmptySource: false });
    expect(sync.batchSize).toBe(50_000);
  });

  it('accepts numbers and booleans written as strings (what ${VAR} produces)', () => {
    const c = minimalConfig();
    c.syncs[0].guardrails = { maxRemovePercent: '12.5', allowEmptySource: 'true' };
    c.syncs[0].batchSize = '1000';
    c.warehouses.pg = { type: 'postgres', host: 'db', port: '5432', database: 'a', user: 'u', password: 'p' };
    const config = parse(c);
    expect(config.syncs[0]!.guardrails).toEqual({ maxRemovePercent: 12.5, allowEmptySource: true });
    expect(config.syncs[0]!.batchSize).toBe(1000);
    expect(config.warehouses.pg).toMatchObject({ port: 5432 });
  });

  it('treats empty strings as "not set" for optional fields', () => {
    const c = minimalConfig();
    c.warehouses.bq = { type: 'bigquery', projectId: 'p', keyFilename: '', location: '' };
    c.destinations.pinterest.auth = { accessToken: 't', refreshToken: '', clientId: '', clientSecret: '' };
    c.destinations.pinterest.apiBaseUrl = '';
    const config = parse(c);
    expect(config.warehouses.bq).toMatchObject({ keyFilename: undefined, location: undefined });
    expect(config.destinations.pinterest!.apiBaseUrl).toBe('https://api.pinterest.com/v5');
  });
});

describe('config schema: unknown keys', () => {
  it('reports a typo with its path and a did-you-mean hint, and not also the missing key', () => {
    const c = minimalConfig();
    c.syncs[0].identifers = c.syncs[0].identifiers;
    delete c.syncs[0].identifiers;
    const issues = issuesOf(c);
    expect(issues).toEqual([{ path: 'syncs[0].identifers', message: 'unknown key "identifers"; did you mean "identifiers"?' }]);
  });

  it('lists the allowed keys when nothing is close, also inside a tagged union', () => {
    const c = minimalConfig();
    c.warehouses.local.colour = 'blue';
    c.destinations.pinterest.batch = { maxRecrods: 5 };
    const issues = issuesOf(c);
    expect(messageAt(issues, 'warehouses.local.colour')).toBe('unknown key "colour"; allowed keys: type, path, fileSearchPath, threads, memoryLimit');
    expect(messageAt(issues, 'destinations.pinterest.batch.maxRecrods')).toContain('did you mean "maxRecords"?');
  });

  it('reports an unknown type tag with a hint', () => {
    const c = minimalConfig();
    c.warehouses.local.type = 'duck';
    c.destinations.pinterest.type = 'pinterset';
    const issues = issuesOf(c);
    expect(messageAt(issues, 'warehouses.local.type')).toBe('unknown type "duck"; did you mean "duckdb"?');
    expect(messageAt(issues, 'destinations.pinterest.type')).toBe('unknown type "pinterset"; did you mean "pinterest"?');
  });
});

describe('config schema: every problem at once', () => {
  it('reports problems from different sections and cross-field checks together', () => {
    const c: Record<string, any> = { state: 'mysql://x', ...minimalConfig() }; // issues come in file order
    c.destinations.pinterest.adAccountId = 'act_1';
    c.syncs[0].name = 'VIP';
    c.syncs[0].warehouse = 'nowhere';
    c.syncs[0].identifiers = { email: 'phone' };
    c.syncs.push({ name: 'VIP', warehouse: 'local', table: 'a.b', identifiers: { e: 'email' }, audience: { name: 'x' } });
    const paths = issuesOf(c).map((i) => i.path);
    expect(paths).toEqual([
      'state',
      'destinations.pinterest.adAccountId',
      'syncs[0].name',
      'syncs[0].warehouse',
      'syncs[0].identifiers.email',
      'syncs[1].name', // the pattern
      'syncs[1].name', // the duplicate
    ]);
  });
});

describe('config schema: syncs', () => {
  it('rejects a reference to an unknown warehouse, suggesting or listing the defined ones', () => {
    const c = minimalConfig();
    c.syncs[0].warehouse = 'locl';
    expect(messageAt(issuesOf(c), 'syncs[0].warehouse')).toBe('unknown warehouse "locl"; did you mean "local"?');
    c.syncs[0].warehouse = 'snowflake';
    expect(messageAt(issuesOf(c), 'syncs[0].warehouse')).toBe('unknown warehouse "snowflake"; defined warehouses: local');
  });

  it('rejects duplicate sync names, pointing at the first', () => {
    const c = minimalConfig();
    c.syncs.push({ ...c.syncs[0], audience: { name: 'other' } });
    expect(messageAt(issuesOf(c), 'syncs[1].name')).toBe('duplicate sync name "vip_customers" (also syncs[0])');
  });

  it('rejects a sync name outside [a-z0-9_]+', () => {
    for (const name of ['VIP', 'vip-customers', 'vip customers', '']) {
      const c = minimalConfig();
      c.syncs[0].name = name;
      expect(messageAt(issuesOf(c), 'syncs[0].name')).toMatch(/\[a-z0-9_\]\+/);
    }
  });

  it('needs exactly one of query and table', () => {
    const both = minimalConfig();
    both.syncs[0].table = 'analytics.vip_customers';
    expect(messageAt(issuesOf(both), 'syncs[0].table')).toBe('set either query or table, not both');
    const neither = minimalConfig();
    delete neither.syncs[0].query;
    expect(messageAt(issuesOf(neither), 'syncs[0].query')).toMatch(/^required: set query/);
  });

  it('accepts dotted and quoted table names and refuses anything that is not one', () => {
    for (const table of ['vip', 'analytics.vip_customers', 'db.public.vip', '"My Schema"."VIP"', '`my-proj.ds.vip`']) {
      const c = minimalConfig();
      delete c.syncs[0].query;
      c.syncs[0].table = table;
      expect(parse(c).syncs[0]!.table).toBe(table);
    }
    for (const table of ['a; drop table x', 'a.b.c.d', 'a..b', '1abc', 'a b']) {
      const c = minimalConfig();
      delete c.syncs[0].query;
      c.syncs[0].table = table;
      expect(messageAt(issuesOf(c), 'syncs[0].table')).toMatch(/must be a table name/);
    }
  });

  it('lists the valid identifier types when one is unknown, and needs at least one mapping', () => {
    const c = minimalConfig();
    c.syncs[0].identifiers = { phone: 'phone' };
    const message = messageAt(issuesOf(c), 'syncs[0].identifiers.phone');
    for (const type of ['email', 'email_sha256', 'maid', 'maid_sha256', 'idfa', 'idfa_sha256', 'gaid']) expect(message).toContain(type);
    c.syncs[0].identifiers = {};
    expect(messageAt(issuesOf(c), 'syncs[0].identifiers')).toMatch(/at least one/);
  });

  it('maps the gaid aliases to maid', () => {
    const c = minimalConfig();
    c.syncs[0].identifiers = { gaid: 'gaid', gaid_hash: 'gaid_sha256', email: 'EMAIL', idfa: 'idfa' };
    expect(parse(c).syncs[0]!.identifiers).toEqual({ gaid: 'maid', gaid_hash: 'maid_sha256', email: 'email', idfa: 'idfa' });
  });

  it('needs an explicit destination only when there is more than one, and checks it exists', () => {
    const c = minimalConfig();
    c.destinations.second = { ...c.destinations.pinterest };
    expect(messageAt(issuesOf(c), 'syncs[0].destination')).toMatch(/required when more than one destination/);
    c.syncs[0].destination = 'pinterst';
    expect(messageAt(issuesOf(c), 'syncs[0].destination')).toBe('unknown destination "pinterst"; did you mean "pinterest"?');
    c.syncs[0].destination = 'second';
    expect(parse(c).syncs[0]!.destination).toBe('second');
  });

  it('checks the audience: name length, digit ids, audienceId only with customerListId, one sync per list', () => {
    const c = minimalConfig();
    c.syncs[0].audience = { name: 'x'.repeat(201), customerListId: 'abc' };
    let issues = issuesOf(c);
    expect(messageAt(issues, 'syncs[0].audience.name')).toMatch(/200/);
    expect(messageAt(issues, 'syncs[0].audience.customerListId')).toMatch(/digits/);
    c.syncs[0].audience = { name: 'x', audienceId: '123' };
    expect(messageAt(issuesOf(c), 'syncs[0].audience.audienceId')).toMatch(/requires customerListId/);
    c.syncs[0].audience = { name: 'x', customerListId: 123, audienceId: '456' };
    expect(parse(c).syncs[0]!.audience).toMatchObject({ customerListId: '123', audienceId: '456' });
    c.syncs.push({ ...c.syncs[0], name: 'other' });
    issues = issuesOf(c);
    expect(messageAt(issues, 'syncs[1].audience.customerListId')).toMatch(/already used by syncs\[0\]/);
  });

  it('bounds guardrails and batch sizes', () => {
    const c = minimalConfig();
    c.syncs[0].guardrails = { maxRemovePercent: 101 };
    c.syncs[0].batchSize = 0;
    const issues = issuesOf(c);
    expect(messageAt(issues, 'syncs[0].guardrails.maxRemovePercent')).toBe('must be a number between 0 and 100');
    expect(messageAt(issues, 'syncs[0].batchSize')).toMatch(/whole number between 1/);
  });
});

describe('config schema: destinations', () => {
  it('requires clientId and clientSecret with a refresh token, saying why', () => {
    const c = minimalConfig();
    c.destinations.pinterest.auth.refreshToken = 'r';
    const issues = issuesOf(c);
    expect(issues.map((i) => i.path)).toEqual(['destinations.pinterest.auth.clientId', 'destinations.pinterest.auth.clientSecret']);
    expect(issues[0]!.message).toMatch(/client id and secret/);
    c.destinations.pinterest.auth.clientId = 'id';
    c.destinations.pinterest.auth.clientSecret = 's';
    expect(parse(c).destinations.pinterest!.auth.refreshToken).toBe('r');
  });

  it('requires a non-empty access token', () => {
    const c = minimalConfig();
    c.destinations.pinterest.auth.accessToken = '';
    expect(messageAt(issuesOf(c), 'destinations.pinterest.auth.accessToken')).toMatch(/^required/);
  });

  it('checks the ad account id, the base URL and retry bounds', () => {
    const c = minimalConfig();
    c.destinations.pinterest.adAccountId = '1234567890123456789';
    c.destinations.pinterest.apiBaseUrl = 'ftp://x';
    c.destinations.pinterest.retry = { baseDelayMs: 1000, maxDelayMs: 10 };
    const issues = issuesOf(c);
    expect(messageAt(issues, 'destinations.pinterest.adAccountId')).toMatch(/at most 18 digits/);
    expect(messageAt(issues, 'destinations.pinterest.apiBaseUrl')).toMatch(/http/);
    expect(messageAt(issues, 'destinations.pinterest.retry.maxDelayMs')).toMatch(/baseDelayMs/);
  });

  it('accepts an unquoted ad account id that is exact, and strips a trailing slash from the base URL', () => {
    const c = minimalConfig();
    c.destinations = { p: { type: 'pinterest', adAccountId: 549755885175, apiBaseUrl: 'http://127.0.0.1:9/v5/', auth: { accessToken: 't' } } };
    const config = parse(c);
    expect(config.destinations.p).toMatchObject({ adAccountId: '549755885175', apiBaseUrl: 'http://127.0.0.1:9/v5' });
  });
});

describe('config schema: state and warehouses', () => {
  it.each([
    ['duckdb:state/s.duckdb', { kind: 'duckdb', path: '/cfg/state/s.duckdb' }],
    ['my.duckdb', { kind: 'duckdb', path: '/cfg/my.duckdb' }],
    ['postgres://u:p@h:5432/db', { kind: 'postgres', url: 'postgres://u:p@h:5432/db' }],
    ['postgresql://h/db', { kind: 'postgres', url: 'postgresql://h/db' }],
  ])('parses state %s', (state, expected) => {
    expect(parse({ ...minimalConfig(), state }).state).toEqual(expected);
  });

  it('rejects other state forms without echoing them', () => {
    const message = messageAt(issuesOf({ ...minimalConfig(), state: 'mysql://u:hunter2@h/db' }), 'state');
    expect(message).toMatch(/duckdb:PATH/);
    expect(message).not.toContain('hunter2');
  });

  it('validates each warehouse type', () => {
    const c = minimalConfig();
    c.warehouses = {
      mem: { type: 'duckdb', path: ':memory:', threads: 2, memoryLimit: '512MB' },
      pg_url: { type: 'postgres', url: 'postgres://u@h/db', password: 'p', ssl: { rejectUnauthorized: false }, statementTimeoutMs: 1000 },
      pg_host: { type: 'postgres', host: 'h', database: 'db', ssl: true },
      bq: { type: 'bigquery', projectId: 'p', credentials: '{"type":"service_account"}', maximumBytesBilled: 1000 },
      sf: { type: 'snowflake', account: 'xy1', username: 'u', privateKey: '-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----', warehouse: 'W', database: 'D', schema: 'S' },
      local: { type: 'duckdb', path: 'w.duckdb' },
    };
    const config = parse(c);
    expect(config.warehouses.mem).toMatchObject({ path: ':memory:', threads: 2 });
    expect(config.warehouses.bq).toMatchObject({ credentials: { type: 'service_account' }, maximumBytesBilled: '1000' });

    c.warehouses = {
      local: { type: 'duckdb', path: 'w.duckdb', memoryLimit: 'lots' },
      pg_both: { type: 'postgres', url: 'postgres://h/db', host: 'h' },
      pg_none: { type: 'postgres', url: '' },
      pg_bad: { type: 'postgres', url: 'mysql://h/db', ssl: 'maybe' },
      bq: { type: 'bigquery', projectId: 'p', credentials: '{nope', keyFilename: 'k.json' },
      sf: { type: 'snowflake', account: 'xy1.snowflakecomputing.com', username: 'u', password: 'p', privateKeyPath: 'k.p8', warehouse: 'W', database: 'D', schema: 'S' },
      sf_none: { type: 'snowflake', account: 'a', username: 'u', privateKeyPassphrase: 'x', warehouse: 'W', database: 'D', schema: 'S' },
    };
    const issues = issuesOf(c);
    expect(issues.map((i) => i.path)).toEqual([
      'warehouses.local.memoryLimit',
      'warehouses.pg_both.host',
      'warehouses.pg_none.url',
      'warehouses.pg_bad.url',
      'warehouses.pg_bad.ssl',
      'warehouses.bq.credentials',
      'warehouses.bq.credentials',
      'warehouses.sf.account',
      'warehouses.sf.privateKeyPath',
      'warehouses.sf_none.password',
      'warehouses.sf_none.privateKeyPassphrase',
    ]);
  });
});

import { describe, expect, it } from 'vitest';
import { interpolateString } from '../../core/config/interpolate-env.js';
import { issuesOf, parse } from './config-fixtures.js';

describe('interpolateString', () => {
  const env = { A: 'alpha', EMPTY: '', TRICKY: '${B}' };

  it('replaces ${VAR} and ${VAR:-default}', () => {
    expect(interpolateString('x-${A}-y', env)).toEqual({ value: 'x-alpha-y', problems: [], unset: [] });
    expect(interpolateString('${MISSING:-fallback}/${A:-no}', env).value).toBe('fallback/alpha');
    expect(interpolateString('${EMPTY:-fallback}', env).value).toBe('fallback'); // like the shell's :-
    expect(interpolateString('${EMPTY}', env)).toEqual({ value: '', problems: [], unset: [] }); // set, if empty
    expect(interpolateString('${MISSING:-}', env)).toEqual({ value: '', problems: [], unset: [] });
  });

  it('writes a literal ${ for $${ and never rescans substituted values', () => {
    expect(interpolateString('$${A} and ${A}', env).value).toBe('${A} and alpha');
    expect(interpolateString('${TRICKY}', env)).toEqual({ value: '${B}', problems: [], unset: [] });
    expect(interpolateString('cost: $5, $$', env).value).toBe('cost: $5, $$');
  });

  it('reports unset variables and malformed references', () => {
    expect(interpolateString('${PG_URL}', env)).toEqual({ value: '', problems: ['environment variable PG_URL is not set'], unset: ['PG_URL'] });
    expect(interpolateString('${1BAD}', env).problems[0]).toMatch(/invalid reference/);
    expect(interpolateString('${A', env).problems[0]).toMatch(/unterminated/);
    expect(interpolateString('${A:-${B}}', env).problems[0]).toMatch(/nested/);
  });
});

describe('interpolation in a config', () => {
  const yaml = (pgUrl: string, token: string) => `
warehouses:
  local: { type: duckdb, path: "\${DB_FILE:-w.duckdb}" }
  pg:
    type: postgres
    url: ${pgUrl}
    port: \${PG_PORT:-5432}
destinations:
  pinterest:
    type: pinterest
    adAccountId: "\${AD_ACCOUNT}"
    auth:
      accessToken: ${token}
syncs:
  - { name: s, warehouse: local, query: "select '\$\${x}' as email", identifiers: { email: email }, audience: { name: a } }
`;

  it('substitutes values from the given env only, inside scalars, and leaves keys alone', () => {
    const config = parse(yaml('"${PG_URL}"', '"${TOKEN}"'), { env: { PG_URL: 'postgres://h/db', TOKEN: 't#1 "q": x', AD_ACCOUNT: '42' } });
    expect(config.warehouses.pg).toMatchObject({ url: 'postgres://h/db', port: 5432 });
    expect(config.destinations.pinterest!.auth.accessToken).toBe('t#1 "q": x'); // '#', quotes and ': ' cannot break parsing
    expect(config.destinations.pinterest!.adAccountId).toBe('42');
    expect(config.syncs[0]!.query).toBe("select '${x}' as email");
    expect(config.warehouses.local).toMatchObject({ path: '/cfg/w.duckdb' });
  });

  it('reports each unset variable at its path, together with the other problems', () => {
    const issues = issuesOf(yaml('"${PG_URL}"', '${TOKEN}').replace('name: s,', 'name: S,'), { env: {} });
    expect(issues).toEqual([
      { path: 'warehouses.pg.url', message: 'environment variable PG_URL is not set' },
      { path: 'destinations.pinterest.adAccountId', message: 'environment variable AD_ACCOUNT is not set' },
      { path: 'destinations.pinterest.auth.accessToken', message: 'environment variable TOKEN is not set' },
      { path: 'syncs[0].name', message: 'must match [a-z0-9_]+ (lowercase letters, digits, underscore)' },
    ]);
  });
});

describe('deferred credentials (plan, sync --dry-run, validate, runs, auth)', () => {
  const yaml = `
warehouses:
  local: { type: duckdb, path: "\${DB_FILE}" }
destinations:
  pinterest:
    type: pinterest
    adAccountId: "549755885175"
    auth:
      accessToken: "\${PINTEREST_ACCESS_TOKEN}"
      refreshToken: "\${PINTEREST_REFRESH_TOKEN}"
      clientId: "\${PINTEREST_CLIENT_ID}"
      clientSecret: "\${PINTEREST_CLIENT_SECRET}"
syncs:
  - { name: s, warehouse: local, query: select email from t, identifiers: { email: email }, audience: { name: a } }
`;

  it('accepts unset variables in a destination auth block, lists them, and leaves the values unset', () => {
    const config = parse(yaml, { env: { DB_FILE: 'w.duckdb', PINTEREST_CLIENT_ID: 'app' }, deferCredentials: true });
    expect(config.destinations.pinterest!.auth).toEqual({ clientId: 'app' });
    expect(config.deferredCredentials).toEqual([
      { destination: 'pinterest', key: 'accessToken', path: 'destinations.pinterest.auth.accessToken', variables: ['PINTEREST_ACCESS_TOKEN'], message: 'environment variable PINTEREST_ACCESS_TOKEN is not set' },
      { destination: 'pinterest', key: 'refreshToken', path: 'destinations.pinterest.auth.refreshToken', variables: ['PINTEREST_REFRESH_TOKEN'], message: 'environment variable PINTEREST_REFRESH_TOKEN is not set' },
      { destination: 'pinterest', key: 'clientSecret', path: 'destinations.pinterest.auth.clientSecret', variables: ['PINTEREST_CLIENT_SECRET'], message: 'environment variable PINTEREST_CLIENT_SECRET is not set' },
    ]);
  });

  it('still reports unset variables outside the auth block, and every auth variable when not deferring', () => {
    expect(issuesOf(yaml, { env: {}, deferCredentials: true })).toEqual([{ path: 'warehouses.local.path', message: 'environment variable DB_FILE is not set' }]);
    expect(issuesOf(yaml, { env: { DB_FILE: 'w.duckdb' } }).map((i) => i.path)).toEqual([
      'destinations.pinterest.auth.accessToken',
      'destinations.pinterest.auth.refreshToken',
      'destinations.pinterest.auth.clientId',
      'destinations.pinterest.auth.clientSecret',
    ]);
  });

  it('still checks what does not depend on a secret', () => {
    const noClient = yaml.replace(/\n\s+clientId: .*\n\s+clientSecret: .*/, '');
    const issues = issuesOf(noClient, { env: { DB_FILE: 'w.duckdb' }, deferCredentials: true });
    // A refresh token needs the app's client id and secret, whatever its value turns out to be.
    expect(issues.map((i) => i.path)).toEqual(['destinations.pinterest.auth.clientId', 'destinations.pinterest.auth.clientSecret']);
  });
});

import { describe, expect, it } from 'vitest';
import { REDACTED, redactConfig, redactUrl } from '../../core/config/redact-config.js';
import { minimalConfig, parse } from './config-fixtures.js';

const SECRETS = [
  'access-SECRET-1',
  'refresh-SECRET-2',
  'client-SECRET-3',
  'pg-SECRET-4',
  'url-SECRET-5',
  'state-SECRET-6',
  'sf-SECRET-7',
  'PEM-SECRET-8',
  'pass-SECRET-9',
  'bq-SECRET-10',
  'query-SECRET-11',
];

describe('redactConfig', () => {
  const c = minimalConfig();
  c.state = 'postgres://pinsync:state-SECRET-6@db:5432/state';
  c.warehouses = {
    ...c.warehouses,
    pg_url: { type: 'postgres', url: 'postgresql://svc:url-SECRET-5@db/x?sslmode=require&password=query-SECRET-11' },
    pg_host: { type: 'postgres', host: 'db', user: 'svc', password: 'pg-SECRET-4' },
    sf_pw: { type: 'snowflake', account: 'a', username: 'u', password: 'sf-SECRET-7', warehouse: 'W', database: 'D', schema: 'S' },
    sf_key: {
      type: 'snowflake',
      account: 'a',
      username: 'u',
      privateKey: '-----BEGIN PRIVATE KEY-----\nPEM-SECRET-8\n-----END PRIVATE KEY-----',
      privateKeyPassphrase: 'pass-SECRET-9',
      warehouse: 'W',
      database: 'D',
      schema: 'S',
    },
    bq: { type: 'bigquery', projectId: 'p', credentials: { type: 'service_account', private_key: 'bq-SECRET-10' } },
  };
  c.destinations.pinterest.auth = {
    accessToken: 'access-SECRET-1',
    refreshToken: 'refresh-SECRET-2',
    clientId: '1484848',
    clientSecret: 'client-SECRET-3',
  };
  const config = parse(c);

  it('hides every secret and keeps everything else', () => {
    const redacted = redactConfig(config);
    const printed = JSON.stringify(redacted);
    for (const secret of SECRETS) expect(printed).not.toContain(secret);
    expect(redacted.destinations.pinterest!.auth).toEqual({ accessToken: REDACTED, refreshToken: REDACTED, clientId: '1484848', clientSecret: REDACTED });
    expect(redacted.state).toEqual({ kind: 'postgres', url: 'postgres://pinsync:***@db:5432/state' });
    expect(redacted.warehouses.pg_url).toMatchObject({ url: 'postgresql://svc:***@db/x?sslmode=require&password=***' });
    expect(redacted.warehouses.bq).toMatchObject({ projectId: 'p', credentials: REDACTED });
    expect(redacted.warehouses.sf_key).toMatchObject({ privateKey: REDACTED, privateKeyPassphrase: REDACTED, username: 'u' });
    expect(redacted.syncs).toEqual(config.syncs);
    expect(redacted.configDir).toBe(config.configDir);
  });

  it('does not modify its input', () => {
    redactConfig(config);
    expect(config.destinations.pinterest!.auth.accessToken).toBe('access-SECRET-1');
  });

  it('keeps file names of key files visible and unset secrets unset', () => {
    const redacted = redactConfig({ privateKeyPath: 'keys/sf.p8', keyFilename: 'k.json', password: undefined, refreshToken: '' });
    expect(redacted).toEqual({ privateKeyPath: 'keys/sf.p8', keyFilename: 'k.json', password: undefined, refreshToken: '' });
  });
});

describe('redactUrl', () => {
  it.each([
    ['postgres://u:p%40ss@h:5432/db', 'postgres://u:***@h:5432/db'],
    ['postgres://u:p@ss@h/db', 'postgres://u:***@h/db'],
    ['postgresql://u@h/db', 'postgresql://u@h/db'],
    ['https://api.pinterest.com/v5', 'https://api.pinterest.com/v5'],
    ['not a url', 'not a url'],
  ])('%s', (input, expected) => {
    expect(redactUrl(input)).toBe(expected);
  });
});

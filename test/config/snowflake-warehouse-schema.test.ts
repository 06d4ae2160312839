/** The Snowflake part of `warehouses.<name>`: settings the connector has that a user can write. */
import { describe, expect, it } from 'vitest';
import { issuesOf, messageAt, minimalConfig, parse } from './config-fixtures.js';

const SF = { type: 'snowflake', account: 'xy1', username: 'u', warehouse: 'W', database: 'D', schema: 'S' };

describe('config schema: snowflake warehouse', () => {
  it('accepts loginRetries (also as a ${VAR} string) and an inline key whose line breaks are literal \\n', () => {
    const c = minimalConfig();
    c.warehouses.sf = { ...SF, password: 'p', loginRetries: '0' };
    expect(parse(c).warehouses.sf).toMatchObject({ loginRetries: 0 });
    c.warehouses.sf = { ...SF, privateKey: '-----BEGIN PRIVATE KEY-----\\nabc\\n-----END PRIVATE KEY-----', loginRetries: 3 };
    expect(parse(c).warehouses.sf).toMatchObject({ loginRetries: 3, privateKey: '-----BEGIN PRIVATE KEY-----\\nabc\\n-----END PRIVATE KEY-----' });
  });

  it('refuses a loginRetries the SDK could not use, naming it', () => {
    const c = minimalConfig();
    c.warehouses.sf = { ...SF, password: 'p', loginRetries: -1 };
    expect(messageAt(issuesOf(c), 'warehouses.sf.loginRetries')).toBe('must be a whole number between 0 and 20');
  });
});

/** Where `state:` comes from: the config, else PINSYNC_STATE (the whole value), else the default file. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseConfigText } from '../../core/config/index.js';

const CONFIG = (state: string) => `${state}
warehouses: { local: { type: duckdb, path: ':memory:' } }
destinations: { pinterest: { type: pinterest, adAccountId: "1", auth: { accessToken: t } } }
syncs:
  - { name: vip, warehouse: local, destination: pinterest, query: select 1 as email, identifiers: { email: email }, audience: { name: VIP } }
`;

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('state location', () => {
  it('takes the whole value from PINSYNC_STATE when the config has no state:', () => {
    vi.stubEnv('PINSYNC_STATE', 'postgres://svc@db.internal:5432/app?schema=ops');
    expect(parseConfigText(CONFIG('')).state).toEqual({ kind: 'postgres', url: 'postgres://svc@db.internal:5432/app?schema=ops' });
  });

  it('prefers the config’s state: over PINSYNC_STATE, and defaults to the DuckDB file without either', () => {
    vi.stubEnv('PINSYNC_STATE', 'postgres://svc@db.internal:5432/app');
    expect(parseConfigText(CONFIG('state: duckdb:here.duckdb'), { configDir: '/cfg' }).state).toEqual({ kind: 'duckdb', path: '/cfg/here.duckdb' });
    vi.stubEnv('PINSYNC_STATE', '');
    expect(parseConfigText(CONFIG(''), { configDir: '/cfg' }).state).toEqual({ kind: 'duckdb', path: '/cfg/.pinsync/state.duckdb' });
  });

  it('refuses a bad PINSYNC_STATE without echoing it', () => {
    vi.stubEnv('PINSYNC_STATE', 'mysql://svc:secret@db/app');
    expect(() => parseConfigText(CONFIG(''))).toThrow(/state: must be duckdb:PATH/);
    expect(() => parseConfigText(CONFIG(''))).not.toThrow(/secret/);
  });
});

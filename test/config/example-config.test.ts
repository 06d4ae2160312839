import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../core/config/load-config.js';

const EXAMPLE = fileURLToPath(new URL('../../config.example.yaml', import.meta.url));

describe('config.example.yaml', () => {
  it('validates with an empty environment and covers every warehouse type', async () => {
    const config = await loadConfig(EXAMPLE, {});
    expect(Object.values(config.warehouses).map((w) => w.type).sort()).toEqual(['bigquery', 'duckdb', 'postgres', 'snowflake']);
    expect(config.syncs.map((s) => s.name)).toEqual(['vip_customers', 'lapsed_buyers']);
    expect(config.syncs[0]!.identifiers).toEqual({ email: 'email', gaid: 'maid', idfa: 'idfa' });
    expect(config.destinations.pinterest!.auth.accessToken).toBe('replace-me');
  });

  it('takes its values from the environment when set', async () => {
    const config = await loadConfig(EXAMPLE, { PINTEREST_ACCESS_TOKEN: 'real', PG_URL: 'postgres://u:p@db:5432/x' });
    expect(config.destinations.pinterest!.auth.accessToken).toBe('real');
    expect(config.warehouses.pg).toMatchObject({ url: 'postgres://u:p@db:5432/x' });
  });
});

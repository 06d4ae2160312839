/**
 * The planner schema and a role with too few grants: pinsync never fails with a bare "permission denied" but names
 * the exact statement an owner runs (CREATE SCHEMA ... AUTHORIZATION, or GRANT USAGE, CREATE ON SCHEMA), and once
 * it is run the same sync works. A plan needs no grant beyond reading the source: it creates nothing.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { expectedHashes, makePeople } from '../../helpers/sync-fixture.js';
import { pgAdmin, pgTestUrl } from '../postgres-target.js';
import { usePlannerFixture } from './planner-fixture.js';

const pf = usePlannerFixture();
let role: string | undefined;

/** A login role that may read the source table and nothing else (no CREATE on the database). */
async function readOnlyRoleUrl(): Promise<string> {
  role = `planner_role_${randomBytes(4).toString('hex')}`;
  const admin = await pgAdmin();
  try {
    const schema = pf().table.split('.')[0]!;
    await admin.query(`CREATE ROLE ${role} LOGIN; GRANT USAGE ON SCHEMA ${schema} TO ${role}; GRANT SELECT ON ${pf().table} TO ${role}`);
  } finally {
    await admin.end();
  }
  const url = new URL(pgTestUrl());
  url.username = role;
  url.password = '';
  return url.toString();
}

afterEach(async () => {
  if (!role) return;
  const admin = await pgAdmin();
  try {
    await admin.query(`DROP OWNED BY ${role}; DROP ROLE ${role}`);
  } finally {
    await admin.end();
    role = undefined;
  }
});

describe('planner schema grants', { timeout: 60_000 }, () => {
  it('a role without CREATE on the database: the error gives the CREATE SCHEMA to run; after it the sync works', async () => {
    const { fx, setPeople, writeConfig, planner, membership, plannerTables } = pf();
    const people = makePeople(1, 50);
    await setPeople(people);
    await writeConfig({ url: await readOnlyRoleUrl() });

    // A plan creates nothing, so it needs nothing more.
    const plan = await fx.syncJson(['plan']);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.report.diff.adds).toBe(expectedHashes(people).size);

    const refused = await fx.syncJson();
    expect(refused.code).toBe(1);
    expect(refused.report.error?.code).toBe('PINSYNC_PLANNER_PERMISSION');
    expect(refused.report.error?.message).toContain(`CREATE SCHEMA "${planner}" AUTHORIZATION "${role}";`);
    expect(refused.report.error?.message).not.toContain('postgres://');
    expect(fx.emulator.lists()).toHaveLength(0);

    const admin = await pgAdmin();
    try {
      await admin.query(`CREATE SCHEMA "${planner}" AUTHORIZATION "${role}"`);
    } finally {
      await admin.end();
    }
    const ok = await fx.syncJson();
    expect(ok.code, ok.stderr).toBe(0);
    expect(await membership()).toEqual(expectedHashes(people));
    expect(await plannerTables()).toEqual(['deltas', 'installed', 'membership']);
  });

  it('a pre-created schema without CREATE for the role: the error gives the GRANT to run', async () => {
    const { fx, setPeople, writeConfig, planner, membership } = pf();
    const people = makePeople(1, 20);
    await setPeople(people);
    const url = await readOnlyRoleUrl();
    await writeConfig({ url });
    const admin = await pgAdmin();
    try {
      await admin.query(`CREATE SCHEMA "${planner}"; GRANT USAGE ON SCHEMA "${planner}" TO "${role}"`);
      const refused = await fx.syncJson();
      expect(refused.code).toBe(1);
      expect(refused.report.error?.code).toBe('PINSYNC_PLANNER_PERMISSION');
      expect(refused.report.error?.message).toContain(`GRANT USAGE, CREATE ON SCHEMA "${planner}" TO "${role}";`);

      await admin.query(`GRANT USAGE, CREATE ON SCHEMA "${planner}" TO "${role}"`);
    } finally {
      await admin.end();
    }
    const ok = await fx.syncJson();
    expect(ok.code, ok.stderr).toBe(0);
    expect(await membership()).toEqual(expectedHashes(people));
  });
});

/**
 * A pull-request job runs `plan` without the production Pinterest secret: unset `${VAR}`s in a destination's `auth`
 * block must not stop commands that never call Pinterest, while `sync` still refuses, naming the variable, before
 * it reads or sends anything.
 */
import { existsSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.js';
import { SyncFixture, expectedHashes, makePeople } from '../helpers/sync-fixture.js';

let fx: SyncFixture;

beforeEach(async () => {
  fx = await SyncFixture.create();
  await fx.setPeople(makePeople(0, 20));
  await fx.writeConfig();
});

afterEach(async () => {
  await fx.close();
});

/** The CLI with no PINTEREST_ACCESS_TOKEN in its environment. */
function cliWithoutToken(args: string[]) {
  return runCli([...args, '-c', fx.configPath], { env: { PINSYNC_LOG_LEVEL: 'warn' }, cwd: fx.dir });
}

describe('PINTEREST_ACCESS_TOKEN unset', () => {
  it('plan and sync --dry-run report the diff without calling Pinterest, before and after a first sync', async () => {
    const plan = await cliWithoutToken(['plan', '--format', 'json']);
    expect(plan.code, plan.stderr).toBe(0);
    expect(JSON.parse(plan.stdout).syncs[0]).toMatchObject({ sync: 'people_sync', diff: { adds: expectedHashes(makePeople(0, 20)).size } });
    const dry = await cliWithoutToken(['sync', '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain('people_sync');
    expect(fx.emulator.requests).toHaveLength(0);

    // With the token, a real sync; then a plan without it reads the stored membership.
    expect((await fx.cli(['sync'])).code).toBe(0);
    fx.emulator.clearRequests();
    await fx.setPeople(makePeople(0, 25));
    const again = await cliWithoutToken(['plan', '--format', 'json']);
    expect(again.code, again.stderr).toBe(0);
    const added = expectedHashes(makePeople(0, 25)).size - expectedHashes(makePeople(0, 20)).size;
    expect(JSON.parse(again.stdout).syncs[0]).toMatchObject({ diff: { adds: added, removes: 0 } });
    expect(fx.emulator.requests).toHaveLength(0);
  });

  it('validate accepts the config and says which variables sync will need', async () => {
    const res = await cliWithoutToken(['validate']);
    expect(res.code, res.stdout + res.stderr).toBe(0);
    expect(res.stdout).toMatch(/valid/);
    expect(res.stdout).toMatch(/destinations\.pinterest\.auth\.accessToken: environment variable PINTEREST_ACCESS_TOKEN is not set.*sync needs it/);
  });

  it('sync exits 2 naming the variable and its path, and reads, sends and stores nothing', async () => {
    const res = await cliWithoutToken(['sync']);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('destinations.pinterest.auth.accessToken: environment variable PINTEREST_ACCESS_TOKEN is not set');
    expect(fx.emulator.requests).toHaveLength(0);
    expect(existsSync(fx.statePath)).toBe(false);
  });
});

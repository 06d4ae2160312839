/**
 * Issue 7 item 11: an error that ends a command before any report (the state cannot be created, a state from a
 * newer pinsync) shows its own code on stderr, as the errors inside a report do, so a script or a person can tell
 * them apart without parsing the sentence.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { openDuckDb } from '../../connectors/duckdb/open-duckdb.js';
import { STATE_SCHEMA_VERSION } from '../../connectors/state/state-migrations.js';
import { makePeople, useSyncFixture } from '../helpers/sync-fixture.js';

const fx = useSyncFixture();

describe('an error that ends the command before a report', () => {
  it('a state path that cannot be created: the message names the path and the fix, with PINSYNC_STATE_PATH', async () => {
    await fx().setPeople(makePeople(1, 10));
    await fx().writeConfig();
    await writeFile(fx().configPath, (await readFile(fx().configPath, 'utf8')).replace('state: duckdb:state.duckdb', 'state: duckdb:/proc/nope/state.duckdb'));
    const res = await fx().cli(['sync', '--json']);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/^pinsync: cannot use the state file \/proc\/nope\/state\.duckdb: .*point `state:`.* \(PINSYNC_STATE_PATH\)$/m);
    expect(fx().emulator.requests.filter((r) => r.method !== 'GET')).toEqual([]);
  });

  it.each([['plan'], ['runs']])('%s on a state from a newer pinsync says PINSYNC_STATE_NEWER', async (command) => {
    await fx().setPeople(makePeople(1, 10));
    await fx().writeConfig();
    expect((await fx().cli(['sync'])).code).toBe(0);
    const instance = await openDuckDb(fx().statePath);
    const conn = await instance.connect();
    await conn.run(`INSERT INTO schema_migrations VALUES (${STATE_SCHEMA_VERSION + 1}, 'from-the-future', now())`);
    conn.closeSync();
    instance.closeSync();
    const res = await fx().cli([command]);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/written by a newer pinsync.*\(PINSYNC_STATE_NEWER\)$/m);
  });

  it('a code the message already carries is not repeated', async () => {
    await fx().writeConfig();
    const res = await fx().cli(['sync', '--out', '.']);
    expect(res.code).toBe(2);
    expect(res.stderr.match(/PINSYNC_REPORT_OUT/g)).toHaveLength(1);
  });
});

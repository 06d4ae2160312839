/**
 * Issue 7 item 3: exactly one audience per list after any fault. An audience create Pinterest applied but never
 * answered (a dropped connection, or a kill -9 before the id was recorded) is found on the sync's list and adopted,
 * never created a second time.
 */
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { makePeople, useSyncFixture } from '../helpers/sync-fixture.js';

const fx = useSyncFixture({ refuseSmallAudiences: false });

const AUDIENCE_CREATE = { method: 'POST', pathIncludes: '/audiences' };

function audiencesOnOurList() {
  return fx().emulator.audiences().filter((a) => a.rule.customer_list_id === fx().listId());
}

describe('an audience create whose answer is lost', () => {
  it('is found on the list and adopted in the same run; later runs keep that one', async () => {
    await fx().setPeople(makePeople(1, 200));
    await fx().writeConfig();
    fx().emulator.faults.dropNext({ count: 1, afterApply: true, match: AUDIENCE_CREATE });
    const first = await fx().syncJson();
    expect(first.code, first.stderr).toBe(0);
    expect(audiencesOnOurList()).toHaveLength(1);
    const audienceId = audiencesOnOurList()[0]!.id;
    expect(first.report.pinterest.audienceId).toBe(audienceId);

    await fx().setPeople(makePeople(1, 250));
    const second = await fx().syncJson();
    expect(second.code, second.stderr).toBe(0);
    expect(second.report.pinterest.audienceId).toBe(audienceId);
    expect(fx().emulator.audiences()).toHaveLength(1);
  });

  it('a create lost before Pinterest applied it is sent again, once', async () => {
    await fx().setPeople(makePeople(1, 200));
    await fx().writeConfig();
    fx().emulator.faults.dropNext({ count: 1, match: AUDIENCE_CREATE });
    const res = await fx().syncJson();
    expect(res.code, res.stderr).toBe(0);
    expect(audiencesOnOurList()).toHaveLength(1);
    expect(res.report.pinterest.audienceId).toBe(audiencesOnOurList()[0]!.id);
  });

  it('after a kill -9 before the audience id was recorded, the rerun adopts the audience instead of making another', async () => {
    await fx().setPeople(makePeople(1, 200));
    await fx().writeConfig();
    // Pinterest applies the create; the answer is held back long enough for the process to die waiting for it.
    fx().emulator.faults.dropNext({ count: 1, afterApply: true, match: AUDIENCE_CREATE });
    fx().emulator.faults.latency(3_000, { match: AUDIENCE_CREATE });
    const child = fx().spawnCli(['sync']);
    const exited = once(child, 'exit');
    const deadline = Date.now() + 30_000;
    while (!fx().emulator.requests.some((r) => r.method === 'POST' && r.path.endsWith('/audiences')) && fx().emulator.audiences().length === 0) {
      if (Date.now() > deadline) throw new Error('the audience create never arrived');
      await new Promise((r) => setTimeout(r, 5));
    }
    child.kill('SIGKILL');
    await exited;
    // let the emulator apply the create it is holding
    while (fx().emulator.audiences().length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    fx().emulator.faults.clear();
    expect(fx().emulator.audiences()).toHaveLength(1);

    const rerun = await fx().syncJson();
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(fx().emulator.audiences()).toHaveLength(1);
    expect(rerun.report.pinterest.audienceId).toBe(fx().emulator.audiences()[0]!.id);
    expect(rerun.report.warnings.join(' ')).toMatch(/adopted audience/);
  });

  it('an audience on another list is never adopted', async () => {
    const other = await fx().seedList('Someone else', ['a'.repeat(64)]);
    const theirs = await fx().seedAudience('Test people', other);
    await fx().setPeople(makePeople(1, 200));
    await fx().writeConfig();
    const res = await fx().syncJson();
    expect(res.code, res.stderr).toBe(0);
    expect(res.report.pinterest.audienceId).not.toBe(theirs);
    const ours = fx().emulator.audiences().filter((a) => a.rule.customer_list_id === res.report.pinterest.customerListId);
    expect(ours.map((a) => a.id)).toEqual([res.report.pinterest.audienceId]);
  });
});

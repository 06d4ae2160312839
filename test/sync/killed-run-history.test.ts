/**
 * `pinsync runs` after a run was killed (kill -9, OOM, a container stopped): it is not shown as `running` forever,
 * and it shows the list it created, since the killed run never wrote its report.
 */
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { makePeople, useSyncFixture } from '../helpers/sync-fixture.js';

const fx = useSyncFixture();

async function killMidPush(): Promise<void> {
  fx().emulator.faults.latency(40);
  const child = fx().spawnCli(['sync']);
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = once(child, 'exit');
  const deadline = Date.now() + 30_000;
  while (fx().emulator.requests.filter((r) => r.method === 'PATCH' && r.status === 200).length < 3) {
    if (child.exitCode !== null) throw new Error(`the sync ended before it could be killed (exit ${child.exitCode}): ${stderr}`);
    if (Date.now() > deadline) throw new Error('timed out waiting for writes');
    await new Promise((r) => setTimeout(r, 5));
  }
  child.kill('SIGKILL');
  await exited;
  fx().emulator.faults.clear();
}

describe('runs after a killed run', () => {
  it('shows the killed run as interrupted? with the list it created, in the table and in JSON', async () => {
    await fx().setPeople(makePeople(1, 2_000));
    await fx().writeConfig({ maxRecords: 100 });
    await killMidPush();
    const listId = fx().listId();

    const table = await fx().cli(['runs']);
    expect(table.code).toBe(0);
    const line = table.stdout.split('\n').find((l) => l.includes('people_sync'))!;
    expect(line).toMatch(/interrupted\?/);
    expect(line).not.toMatch(/\brunning\b/);
    expect(line).toContain(listId);

    const json = await fx().cli(['runs', '--json']);
    const doc = JSON.parse(json.stdout) as { runs: { status: string; customerListId: string | null; addsSent: number }[] };
    expect(doc.runs).toHaveLength(1);
    expect(doc.runs[0]).toMatchObject({ status: 'interrupted?', customerListId: listId });
    expect(doc.runs[0]!.addsSent).toBeGreaterThan(0);

    // The next run records the killed one as interrupted for good.
    expect((await fx().syncJson()).code).toBe(0);
    const after = JSON.parse((await fx().cli(['runs', '--json'])).stdout) as { runs: { status: string; customerListId: string | null }[] };
    expect(after.runs.map((r) => r.status)).toEqual(['succeeded', 'interrupted']);
    expect(after.runs[1]!.customerListId).toBe(listId);
  });
});

/**
 * Issue 7 item 2: a sync only ever adopts a customer list its own create produced. Another sync's list (or a
 * person's) with the same name is never written to, whether the create was lost on the wire or the process died
 * between noting the create and sending it.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NORMALIZATION_VERSION } from '../../core/normalize/normalization-version.js';
import type { SyncReport } from '../../core/sync-report.js';
import { DuckDbStateStore } from '../../connectors/state/duckdb/duckdb-state-store.js';
import { runCli } from '../helpers/run-cli.js';
import { expectedHashes, makePeople, TOKEN, useSyncFixture } from '../helpers/sync-fixture.js';

const fx = useSyncFixture({ refuseSmallAudiences: false });

const SHARED = 'Shared Name';

/** A second config beside the fixture's: its own state file, the same warehouse, emulator and audience name. */
async function writeSecondConfig(): Promise<string> {
  const path = join(fx().dir, 'second.yaml');
  const text = (await readFile(fx().configPath, 'utf8')).replace('state: duckdb:state.duckdb', 'state: duckdb:state-b.duckdb');
  await writeFile(path, text);
  return path;
}

async function syncWith(configPath: string): Promise<{ code: number; report: SyncReport; stderr: string }> {
  const res = await runCli(['sync', '--json', '-c', configPath], { env: { PINTEREST_ACCESS_TOKEN: TOKEN, PINSYNC_LOG_LEVEL: 'warn' }, cwd: fx().dir });
  try {
    return { code: res.code, report: (JSON.parse(res.stdout) as { syncs: SyncReport[] }).syncs[0]!, stderr: res.stderr };
  } catch {
    throw new Error(`no JSON report (exit ${res.code}): ${res.stdout}\n${res.stderr}`);
  }
}

/** What a run that died after noting its create (and the lists it saw) leaves in its state. */
async function notePendingCreate(statePath: string, name: string, knownIds: string[]): Promise<void> {
  const store = await DuckDbStateStore.open(statePath);
  try {
    await store.saveSync('people_sync', { normalizationVersion: NORMALIZATION_VERSION, pendingListName: name, pendingListKnownIds: knownIds });
  } finally {
    await store.close();
  }
}

/** Sync A: list "Shared Name" with people 1..300 and its audience. Returns the list id. */
async function syncA(): Promise<string> {
  await fx().setPeople(makePeople(1, 300));
  await fx().writeConfig({ maxRecords: 100, syncExtra: [`audience: { name: ${SHARED} }`], replaceAudience: true });
  const a = await fx().syncJson();
  expect(a.code, a.stderr).toBe(0);
  return a.report.pinterest.customerListId!;
}

function expectUntouched(listId: string): void {
  expect(new Set(fx().emulator.membership(listId))).toEqual(expectedHashes(makePeople(1, 300)));
  expect(fx().emulator.audiences().filter((a) => a.rule.customer_list_id === listId)).toHaveLength(1);
}

describe('another sync’s list with the same name', () => {
  it('a second sync whose create is lost on the wire never writes into the first sync’s list', async () => {
    const listA = await syncA();
    const second = await writeSecondConfig();
    await fx().setPeople(makePeople(5_001, 200));
    fx().emulator.faults.dropNext({ count: 1, match: { method: 'POST', pathIncludes: '/customer_lists' } });
    const before = fx().emulator.requests.length;
    const b = await syncWith(second);

    expect(b.code).toBe(2);
    expect(b.report.status).toBe('failed');
    expect(b.report.error?.code).toBe('PINSYNC_LIST_NAME_TAKEN');
    expect(b.report.error?.message).toContain(`"${SHARED}"`);
    expect(b.report.error?.message).toContain(listA);
    expect(b.report.error?.message).toMatch(/audience\.customerListId/);
    expect(b.report.error?.message).toMatch(/audience\.name/);
    expectUntouched(listA);
    // refused before anything was written: no create, no PATCH
    expect(fx().emulator.requests.slice(before).filter((r) => r.method !== 'GET')).toHaveLength(0);
    expect(fx().emulator.lists()).toHaveLength(1);
  });

  it('after a kill -9 between noting the create and sending it, the rerun does not adopt the list that was already there', async () => {
    const listA = await syncA();
    const second = await writeSecondConfig();
    await fx().setPeople(makePeople(5_001, 200));
    await notePendingCreate(join(fx().dir, 'state-b.duckdb'), SHARED, [listA]);
    const b = await syncWith(second);

    expect(b.code).toBe(2);
    expect(b.report.error?.code).toBe('PINSYNC_LIST_NAME_TAKEN');
    expectUntouched(listA);
    expect(fx().emulator.lists()).toHaveLength(1);
  });

  it('several new lists with the noted name after an unanswered create: refuses to guess and writes to none', async () => {
    await fx().setPeople(makePeople(1, 200));
    await fx().writeConfig({ maxRecords: 100 });
    await notePendingCreate(fx().statePath, 'Test people', []);
    const one = await fx().seedList('Test people', ['a'.repeat(64)]);
    const two = await fx().seedList('Test people', ['b'.repeat(64)]);
    const before = fx().emulator.requests.length;
    const res = await fx().syncJson();

    expect(res.code).toBe(1);
    expect(res.report.error?.code).toBe('PINSYNC_LIST_AMBIGUOUS');
    expect(res.report.error?.message).toContain(one);
    expect(res.report.error?.message).toContain(two);
    expect(res.report.error?.message).toMatch(/audience\.customerListId/);
    expect(fx().emulator.membership(one).size).toBe(1);
    expect(fx().emulator.membership(two).size).toBe(1);
    expect(fx().emulator.requests.slice(before).filter((r) => r.method !== 'GET')).toHaveLength(0);
  });

  it('a kill -9 before the create was sent: nothing was created, so the rerun creates the list once', async () => {
    const people = makePeople(1, 200);
    await fx().setPeople(people);
    await fx().writeConfig({ maxRecords: 100 });
    await notePendingCreate(fx().statePath, 'Test people', []);
    const res = await fx().syncJson();
    expect(res.code, res.stderr).toBe(0);
    expect(fx().emulator.lists()).toHaveLength(1);
    expect(fx().membership()).toEqual(expectedHashes(people));
    expect(await fx().storedMembership()).toEqual(expectedHashes(people));
  });
});

describe('a list a person made', () => {
  it('refuses the first sync with the ways out, and sends nothing', async () => {
    const theirs = await fx().seedList('Test people', ['c'.repeat(64)]);
    await fx().setPeople(makePeople(1, 200));
    await fx().writeConfig({ maxRecords: 100 });
    const before = fx().emulator.requests.length;
    const res = await fx().syncJson();

    expect(res.code).toBe(2);
    expect(res.report.error?.code).toBe('PINSYNC_LIST_NAME_TAKEN');
    expect(res.report.error?.message).toMatch(/sync people_sync/);
    expect(res.report.error?.message).toContain(`audience.customerListId: "${theirs}"`);
    expect(res.stderr).toMatch(/audience\.name/);
    expect(fx().emulator.membership(theirs).size).toBe(1);
    expect(fx().emulator.requests.slice(before).filter((r) => r.method !== 'GET')).toHaveLength(0);

    // the documented way out works: adopt it by id
    await fx().writeConfig({ maxRecords: 100, syncExtra: [`audience: { name: Test people, customerListId: "${theirs}" }`], replaceAudience: true });
    const adopted = await fx().syncJson();
    expect(adopted.code, adopted.stderr).toBe(0);
    expect(adopted.report.pinterest.customerListId).toBe(theirs);
  });
});

describe('validate', () => {
  it('refuses two syncs with the same audience name in one ad account, naming the path', async () => {
    await fx().writeConfig();
    const text = await readFile(fx().configPath, 'utf8');
    const extra = ['  - name: other_sync', '    warehouse: local', '    query: "select email from people"', '    identifiers: { email: email }', '    audience: { name: Test people }', ''];
    await writeFile(fx().configPath, text + extra.join('\n'));
    for (const command of [['validate'], ['plan']]) {
      const res = await fx().cli(command);
      expect(res.code).toBe(2);
      expect(res.stdout + res.stderr).toMatch(/syncs\[1\]\.audience\.name/);
      expect(res.stdout + res.stderr).toMatch(/syncs\[0\]/);
    }
    expect(fx().emulator.requests).toHaveLength(0);
  });
});

/**
 * What every state engine's diff session must do, the same way (DuckDB file, Postgres schema): stage the source's
 * hashed records, diff them against the acknowledged membership, freeze the delta as position ranges, and move
 * acknowledged ranges into the membership atomically with their record. Registered by
 * duckdb-membership-conformance.test.ts and postgres-membership-conformance.test.ts.
 */
import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RecordAction } from '../../core/explicit-actions.js';
import type { IdentifierFamily } from '../../core/identifier-types.js';
import type { DiffSession, StateStore } from '../../core/state-store.js';

/** The part of a state store the membership cases use. */
export type MembershipStore = Pick<StateStore, 'saveSync' | 'getSync' | 'startRun' | 'listRuns' | 'openDiff' | 'clearMembership'>;

/** One engine under test. */
export interface MembershipTarget {
  /** A store with fresh, empty state. */
  store: MembershipStore;
  /** Closes the store and deletes its state. */
  dispose(): Promise<void>;
  /** Frozen delta tables and recorded ranges the state still holds (a finished run must leave none). */
  leftovers(): Promise<number>;
}

/** `n` distinct SHA-256 hex hashes, distinguished by `prefix`. */
export function hashes(prefix: string, n: number, from = 0): string[] {
  return Array.from({ length: n }, (_, i) => createHash('sha256').update(`${prefix}${from + i}@example.com`).digest('hex'));
}

/** `n` times the same family. */
export function families(n: number, family: IdentifierFamily = 'email'): IdentifierFamily[] {
  return Array.from({ length: n }, () => family);
}

const sorted = (list: readonly string[]) => [...list].sort();

export function describeMembershipConformance(engine: string, makeTarget: () => Promise<MembershipTarget>): void {
  describe(`membership conformance: ${engine}`, () => {
    let target: MembershipTarget;
    let store: MembershipStore;
    const open: DiffSession[] = [];

    beforeEach(async () => {
      target = await makeTarget();
      store = target.store;
    });

    afterEach(async () => {
      for (const s of open.splice(0)) await s.dispose().catch(() => undefined);
      await target.dispose();
    });

    async function session(name: string): Promise<DiffSession> {
      const s = await store.openDiff(name);
      open.push(s);
      return s;
    }

    async function startSync(name: string): Promise<number> {
      if (!(await store.getSync(name))) await store.saveSync(name, { adAccountId: '1', normalizationVersion: 1 });
      return store.startRun(name, new Date());
    }

    /** Stages `records`, freezes the delta and acknowledges all of it in one batch per side. */
    async function syncAll(name: string, records: readonly string[]): Promise<void> {
      const runId = await startSync(name);
      const s = await session(name);
      if (records.length > 0) await s.appendRecords(records, families(records.length));
      const counts = await s.computeDiff({ fullResync: false });
      if (counts.adds > 0) await s.acknowledge({ runId, op: 'ADD', start: 0, end: counts.adds, customerListId: `list_${name}`, createdList: false });
      if (counts.removes > 0) await s.acknowledge({ runId, op: 'REMOVE', start: 0, end: counts.removes, customerListId: `list_${name}`, createdList: false });
      await s.dispose();
    }

    /** The acknowledged membership, as the next run sees it: the removes of an empty source. */
    async function acknowledged(name: string): Promise<string[]> {
      const s = await session(name);
      const counts = await s.computeDiff({ fullResync: false });
      const list = await s.readRange('REMOVE', 0, counts.removes);
      await s.dispose();
      return sorted(list);
    }

    async function readAll(s: DiffSession, op: 'ADD' | 'REMOVE', total: number): Promise<string[]> {
      return s.readRange(op, 0, total);
    }

    it('a first diff adds every distinct record and removes nothing', async () => {
      await startSync('a');
      const s = await session('a');
      const list = hashes('a', 5);
      // Duplicates, also under another family, count once.
      await s.appendRecords([...list.slice(0, 3), list[0]!], families(4));
      await s.appendRecords([...list.slice(3), list[1]!], [...families(2), 'maid']);
      expect(await s.computeDiff({ fullResync: false })).toEqual({ acknowledged: 0, current: 5, adds: 5, removes: 0, unchanged: 0 });
      expect(sorted(await readAll(s, 'ADD', 5))).toEqual(sorted(list));
      expect(await s.readRange('REMOVE', 0, 10)).toEqual([]);
    });

    it('after acknowledgements the diff holds only what changed', async () => {
      const list = hashes('a', 6);
      await syncAll('a', list.slice(0, 4));
      const runId = await startSync('a');
      const s = await session('a');
      // Keeps 2..3, drops 0..1, brings 4..5.
      await s.appendRecords(list.slice(2), families(4));
      expect(await s.computeDiff({ fullResync: false })).toEqual({ acknowledged: 4, current: 4, adds: 2, removes: 2, unchanged: 2 });
      expect(sorted(await readAll(s, 'ADD', 2))).toEqual(sorted(list.slice(4)));
      expect(sorted(await readAll(s, 'REMOVE', 2))).toEqual(sorted(list.slice(0, 2)));
      await s.acknowledge({ runId, op: 'ADD', start: 0, end: 2, customerListId: 'l', createdList: false });
      await s.acknowledge({ runId, op: 'REMOVE', start: 0, end: 2, customerListId: 'l', createdList: false });
      await s.dispose();
      expect(await store.getSync('a')).toMatchObject({ membershipCount: 4 });
      expect(await acknowledged('a')).toEqual(sorted(list.slice(2)));
    });

    it('after acknowledgements, a record staged twice (also under another family) counts once', async () => {
      const list = hashes('a', 4);
      await syncAll('a', list.slice(0, 2));
      const runId = await startSync('a');
      // Drops 0; keeps 1, staged twice; brings 2 and 3, each staged twice, 3 also as a maid.
      const stage = async (d: DiffSession) => {
        await d.appendRecords([list[1]!, list[2]!, list[3]!, list[1]!], families(4));
        await d.appendRecords([list[3]!, list[2]!], ['maid', 'email']);
      };
      const counts = { acknowledged: 2, current: 3, adds: 2, removes: 1, unchanged: 1 };
      const plan = await session('a');
      await stage(plan);
      expect(await plan.computeDiff({ fullResync: false, countsOnly: true })).toEqual(counts);
      expect(sorted(await plan.sample('ADD', 10))).toEqual(sorted(list.slice(2)));
      await plan.dispose();
      const s = await session('a');
      await stage(s);
      expect(await s.computeDiff({ fullResync: false })).toEqual(counts);
      expect(sorted(await s.readRange('ADD', 0, 10))).toEqual(sorted(list.slice(2)));
      expect(await s.readRange('REMOVE', 0, 10)).toEqual([list[0]]);
      await s.acknowledge({ runId, op: 'ADD', start: 0, end: 2, customerListId: 'l', createdList: false });
      await s.acknowledge({ runId, op: 'REMOVE', start: 0, end: 1, customerListId: 'l', createdList: false });
      await s.dispose();
      expect(await store.getSync('a')).toMatchObject({ membershipCount: 3 });
      expect(await acknowledged('a')).toEqual(sorted(list.slice(1)));
    });

    it('a full resync sends every current record again without duplicating the acknowledged ones', async () => {
      const list = hashes('a', 5);
      await syncAll('a', list.slice(0, 3));
      const runId = await startSync('a');
      const s = await session('a');
      await s.appendRecords(list.slice(1), families(4));
      expect(await s.computeDiff({ fullResync: true })).toEqual({ acknowledged: 3, current: 4, adds: 4, removes: 1, unchanged: 2 });
      expect(sorted(await readAll(s, 'ADD', 4))).toEqual(sorted(list.slice(1)));
      expect(await readAll(s, 'REMOVE', 1)).toEqual([list[0]]);
      await s.acknowledge({ runId, op: 'ADD', start: 0, end: 4, customerListId: 'l', createdList: false });
      await s.acknowledge({ runId, op: 'REMOVE', start: 0, end: 1, customerListId: 'l', createdList: false });
      await s.dispose();
      expect(await store.getSync('a')).toMatchObject({ membershipCount: 4 });
      expect(await acknowledged('a')).toEqual(sorted(list.slice(1)));
    });

    for (const fullResync of [false, true]) {
      it(`a counts-only plan reports the counts a frozen diff finds${fullResync ? ' (full resync)' : ''}`, async () => {
        const list = hashes('a', 8);
        await syncAll('a', list.slice(0, 5));
        const plan = await session('a');
        await plan.appendRecords(list.slice(3), families(5));
        const planned = await plan.computeDiff({ fullResync, countsOnly: true });
        const frozen = await session('a');
        await frozen.appendRecords(list.slice(3), families(5));
        expect(planned).toEqual(await frozen.computeDiff({ fullResync }));
        expect(planned).toMatchObject({ acknowledged: 5, current: 5, adds: fullResync ? 5 : 3, removes: 3 });
        // The plan's samples come from the same sides.
        const addable = fullResync ? list.slice(3) : list.slice(5);
        const samples = await plan.sample('ADD', 2);
        expect(samples).toHaveLength(2);
        for (const h of samples) expect(addable).toContain(h);
        expect(sorted(await plan.sample('REMOVE', 10))).toEqual(sorted(list.slice(0, 3)));
      });
    }

    it('a plan of a sync with no state row counts everything as an add', async () => {
      const s = await session('never_synced');
      await s.appendRecords(hashes('n', 3), families(3));
      expect(await s.computeDiff({ fullResync: false, countsOnly: true })).toEqual({ acknowledged: 0, current: 3, adds: 3, removes: 0, unchanged: 0 });
      expect(await s.sample('REMOVE', 5)).toEqual([]);
      expect(sorted(await s.sample('ADD', 5))).toEqual(sorted(hashes('n', 3)));
    });

    it('readRange returns dense, disjoint, stable position ranges', async () => {
      await startSync('a');
      const s = await session('a');
      const list = hashes('a', 25);
      await s.appendRecords(list, families(25));
      await s.computeDiff({ fullResync: false });
      const chunks = [await s.readRange('ADD', 0, 10), await s.readRange('ADD', 10, 20), await s.readRange('ADD', 20, 30)];
      expect(chunks.map((c) => c.length)).toEqual([10, 10, 5]);
      expect(sorted(chunks.flat())).toEqual(sorted(list));
      // Re-reading (a retry, a split in halves) gives the same records in the same order.
      expect(await s.readRange('ADD', 10, 20)).toEqual(chunks[1]);
      expect([...(await s.readRange('ADD', 10, 15)), ...(await s.readRange('ADD', 15, 20))]).toEqual(chunks[1]);
      expect(await s.readRange('ADD', 25, 40)).toEqual([]);
    });

    it('acknowledging a range moves exactly that range, and replaying it changes nothing', async () => {
      const runId = await startSync('a');
      const s = await session('a');
      const list = hashes('a', 10);
      await s.appendRecords(list, families(10));
      await s.computeDiff({ fullResync: false });
      const batch = await s.readRange('ADD', 0, 4);
      await s.acknowledge({ runId, op: 'ADD', start: 0, end: 4, customerListId: 'l', createdList: false });
      expect(await store.getSync('a')).toMatchObject({ membershipCount: 4 });
      await s.acknowledge({ runId, op: 'ADD', start: 0, end: 4, customerListId: 'l', createdList: false });
      expect(await store.getSync('a')).toMatchObject({ membershipCount: 4 });
      await s.dispose();
      expect(await acknowledged('a')).toEqual(sorted(batch));

      // The rest is what the next run still has to add.
      const next = await session('a');
      await next.appendRecords(list, families(10));
      expect(await next.computeDiff({ fullResync: false })).toMatchObject({ acknowledged: 4, adds: 6, removes: 0 });
      expect(sorted(await readAll(next, 'ADD', 6))).toEqual(sorted(list.filter((h) => !batch.includes(h))));
    });

    it('an acknowledgement records its range at once and reaches the stored membership in one bulk step', async () => {
      const runId = await startSync('a');
      const s = await session('a');
      const list = hashes('a', 30);
      await s.appendRecords(list, families(30));
      await s.computeDiff({ fullResync: false });
      // Out of order, as a pipelined push answers, and one replayed.
      for (const [start, end] of [[10, 20], [0, 10], [20, 30], [0, 10]] as const) {
        await s.acknowledge({ runId, op: 'ADD', start, end, customerListId: 'l', createdList: false });
      }
      // Counted as acknowledged before they are applied: Pinterest has them.
      expect(await store.getSync('a')).toMatchObject({ membershipCount: 30 });
      expect(await s.applyAcknowledged()).toBeGreaterThan(0);
      expect(await s.applyAcknowledged()).toBe(0);
      expect(await store.getSync('a')).toMatchObject({ membershipCount: 30 });
      await s.dispose();
      expect(await acknowledged('a')).toEqual(sorted(list));
    });

    it("a killed run's acknowledged ranges count for a plan and are applied by the next run before it diffs", async () => {
      const list = hashes('a', 12);
      await syncAll('a', list.slice(0, 6));
      // The killed run: drops 0..1, brings 6..11; two of three ADD ranges and the REMOVE answered, then the process
      // died (the session is neither applied nor disposed until the test ends; e2e tests kill real processes).
      const killedRun = await startSync('a');
      const killed = await session('a');
      await killed.appendRecords(list.slice(2), families(10));
      expect(await killed.computeDiff({ fullResync: false })).toMatchObject({ adds: 6, removes: 2 });
      const sentAdds = [...(await killed.readRange('ADD', 0, 2)), ...(await killed.readRange('ADD', 4, 6))];
      await killed.acknowledge({ runId: killedRun, op: 'ADD', start: 4, end: 6, customerListId: 'l', createdList: false });
      await killed.acknowledge({ runId: killedRun, op: 'ADD', start: 0, end: 2, customerListId: 'l', createdList: false });
      await killed.acknowledge({ runId: killedRun, op: 'REMOVE', start: 0, end: 2, customerListId: 'l', createdList: false });
      const unsent = list.slice(6).filter((h) => !sentAdds.includes(h));
      expect(await store.getSync('a')).toMatchObject({ membershipCount: 8 });

      // A plan reads them as applied and changes nothing.
      const plan = await session('a');
      await plan.appendRecords(list.slice(2), families(10));
      expect(await plan.computeDiff({ fullResync: false, countsOnly: true })).toEqual({ acknowledged: 8, current: 10, adds: 2, removes: 0, unchanged: 8 });
      expect(sorted(await plan.sample('ADD', 10))).toEqual(sorted(unsent));
      await plan.dispose();
      expect(await store.getSync('a')).toMatchObject({ membershipCount: 8 });

      // The next run applies them first, then sends exactly what the killed run did not.
      await startSync('a');
      const next = await session('a');
      await next.appendRecords(list.slice(2), families(10));
      expect(await next.computeDiff({ fullResync: false })).toEqual({ acknowledged: 8, current: 10, adds: 2, removes: 0, unchanged: 8 });
      expect(sorted(await next.readRange('ADD', 0, 10))).toEqual(sorted(unsent));
      await next.dispose();
    });

    it('a finished run leaves no frozen delta and no recorded range behind', async () => {
      const list = hashes('a', 8);
      await syncAll('a', list.slice(0, 5));
      await syncAll('a', list.slice(2));
      expect(await target.leftovers()).toBe(0);
      expect(await acknowledged('a')).toEqual(sorted(list.slice(2)));
    });

    it("forgetting the membership also forgets a killed run's acknowledged records (--recreate)", async () => {
      const runId = await startSync('a');
      const killed = await session('a');
      const list = hashes('a', 6);
      await killed.appendRecords(list, families(6));
      await killed.computeDiff({ fullResync: false });
      await killed.acknowledge({ runId, op: 'ADD', start: 0, end: 4, customerListId: 'l', createdList: false });
      expect(await store.getSync('a')).toMatchObject({ membershipCount: 4 });
      await store.clearMembership('a');
      expect(await store.getSync('a')).toMatchObject({ membershipCount: 0 });
      const next = await session('a');
      await next.appendRecords(list, families(6));
      expect(await next.computeDiff({ fullResync: false })).toMatchObject({ acknowledged: 0, adds: 6, removes: 0 });
    });

    it('each acknowledgement is recorded on its run, and the list it created on the sync', async () => {
      await store.saveSync('a', { adAccountId: '1', normalizationVersion: 1, pendingListName: 'A list' });
      const runId = await store.startRun('a', new Date());
      const s = await session('a');
      await s.appendRecords(hashes('a', 7), families(7));
      await s.computeDiff({ fullResync: false });
      await s.acknowledge({ runId, op: 'ADD', start: 0, end: 2, customerListId: 'list_1', createdList: true });
      expect(await store.getSync('a')).toMatchObject({ customerListId: 'list_1', pendingListName: null, membershipCount: 2 });
      await s.acknowledge({ runId, op: 'ADD', start: 2, end: 7, customerListId: 'list_1', createdList: false });
      const [run] = await store.listRuns({ syncNames: ['a'] });
      expect(run).toMatchObject({ id: runId, addsSent: 7, removesSent: 0, batches: 2, customerListId: 'list_1' });
    });

    it('an acknowledgement that cannot be recorded applies nothing, and a retry applies it once', async () => {
      const runId = await startSync('a');
      const s = await session('a');
      await s.appendRecords(hashes('a', 3), families(3));
      await s.computeDiff({ fullResync: false });
      // No such run: recording the batch fails after the membership change, inside the same transaction.
      await expect(s.acknowledge({ runId: runId + 1000, op: 'ADD', start: 0, end: 3, customerListId: 'l', createdList: true })).rejects.toThrow();
      expect(await store.getSync('a')).toMatchObject({ membershipCount: 0, customerListId: null });
      await s.acknowledge({ runId, op: 'ADD', start: 0, end: 3, customerListId: 'l', createdList: true });
      expect(await store.getSync('a')).toMatchObject({ membershipCount: 3, customerListId: 'l' });
    });

    it('a frozen diff samples from its delta', async () => {
      const list = hashes('a', 6);
      await syncAll('a', list.slice(0, 3));
      const s = await session('a');
      await s.appendRecords(list.slice(1), families(5));
      await s.computeDiff({ fullResync: false });
      const adds = await s.sample('ADD', 2);
      expect(adds).toHaveLength(2);
      for (const h of adds) expect(list.slice(3)).toContain(h);
      expect(await s.sample('REMOVE', 5)).toEqual([list[0]]);
    });

    it('an empty source removes every acknowledged record and adds nothing', async () => {
      const empty = await session('a');
      expect(await empty.computeDiff({ fullResync: false })).toEqual({ acknowledged: 0, current: 0, adds: 0, removes: 0, unchanged: 0 });
      await empty.dispose();
      const list = hashes('a', 4);
      await syncAll('a', list);
      const plan = await session('a');
      expect(await plan.computeDiff({ fullResync: false, countsOnly: true })).toEqual({ acknowledged: 4, current: 0, adds: 0, removes: 4, unchanged: 0 });
      const s = await session('a');
      expect(await s.computeDiff({ fullResync: false })).toEqual({ acknowledged: 4, current: 0, adds: 0, removes: 4, unchanged: 0 });
      expect(sorted(await readAll(s, 'REMOVE', 4))).toEqual(sorted(list));
    });

    it('two sessions of two syncs open at once never mix their records', async () => {
      const runA = await startSync('a');
      const runB = await startSync('b');
      const a = await session('a');
      const b = await session('b');
      const listA = hashes('a', 3);
      const listB = hashes('b', 2);
      await a.appendRecords(listA.slice(0, 2), families(2));
      await b.appendRecords(listB, families(2));
      await a.appendRecords(listA.slice(2), families(1));
      expect(await b.computeDiff({ fullResync: false })).toMatchObject({ current: 2, adds: 2 });
      expect(await a.computeDiff({ fullResync: false })).toMatchObject({ current: 3, adds: 3 });
      expect(sorted(await readAll(a, 'ADD', 3))).toEqual(sorted(listA));
      expect(sorted(await readAll(b, 'ADD', 2))).toEqual(sorted(listB));
      await b.acknowledge({ runId: runB, op: 'ADD', start: 0, end: 2, customerListId: 'lb', createdList: true });
      await a.acknowledge({ runId: runA, op: 'ADD', start: 0, end: 3, customerListId: 'la', createdList: true });
      await a.dispose();
      // Disposing one leaves the other's delta readable.
      expect(sorted(await readAll(b, 'ADD', 2))).toEqual(sorted(listB));
      await b.dispose();
      expect(await acknowledged('a')).toEqual(sorted(listA));
      expect(await acknowledged('b')).toEqual(sorted(listB));
    });

    it('dispose is idempotent, and a new session starts from the committed membership', async () => {
      const runId = await startSync('a');
      const s = await session('a');
      const list = hashes('a', 4);
      await s.appendRecords(list, families(4));
      await s.computeDiff({ fullResync: false });
      await s.acknowledge({ runId, op: 'ADD', start: 0, end: 4, customerListId: 'l', createdList: false });
      await s.dispose();
      await s.dispose();
      const next = await session('a');
      await next.appendRecords(list.slice(1), families(3));
      expect(await next.computeDiff({ fullResync: false })).toEqual({ acknowledged: 4, current: 3, adds: 0, removes: 1, unchanged: 3 });
      expect(await next.readRange('REMOVE', 0, 1)).toEqual([list[0]]);
    });

    describe('explicit actions', () => {
      /** `n` times the same action. */
      const acts = (n: number, action: RecordAction): RecordAction[] => Array.from({ length: n }, () => action);

      /** Stages add/remove records of an action run and freezes (or, countsOnly, plans) its diff. */
      async function actionSession(name: string, add: readonly string[], remove: readonly string[], countsOnly = false) {
        const s = await session(name);
        // Two batches, the second with a duplicate of the first under another family: a record counts once.
        if (add.length > 0) await s.appendRecords(add, families(add.length), acts(add.length, 'ADD'));
        if (remove.length > 0) await s.appendRecords([...remove, ...add.slice(0, 1)], [...families(remove.length), ...families(Math.min(1, add.length), 'maid')], [...acts(remove.length, 'REMOVE'), ...acts(Math.min(1, add.length), 'ADD')]);
        const counts = await s.computeDiff({ fullResync: false, countsOnly, explicitActions: true });
        return { s, counts };
      }

      it('sends adds of non-members and removes of members only; a record both added and removed is removed', async () => {
        const list = hashes('x', 8);
        await syncAll('a', list.slice(0, 4));
        const runId = await startSync('a');
        // Asked to add: 2 (a member), 4, 5 (new), 3 and 6 (also asked to remove). Asked to remove: 1 (a member),
        // 7 (never a member), 3 (a member) and 6 (not one).
        const { s, counts } = await actionSession('a', [list[2]!, list[4]!, list[5]!, list[3]!, list[6]!], [list[1]!, list[7]!, list[3]!, list[6]!]);
        expect(counts).toEqual({
          acknowledged: 4,
          current: 4,
          adds: 2,
          removes: 2,
          unchanged: 2,
          actions: { addRecords: 5, removeRecords: 4, conflicts: 2, alreadyMembers: 1, notMembers: 2 },
        });
        expect(sorted(await readAll(s, 'ADD', 2))).toEqual(sorted([list[4]!, list[5]!]));
        expect(sorted(await readAll(s, 'REMOVE', 2))).toEqual(sorted([list[1]!, list[3]!]));
        await s.acknowledge({ runId, op: 'ADD', start: 0, end: 2, customerListId: 'l', createdList: false });
        await s.acknowledge({ runId, op: 'REMOVE', start: 0, end: 2, customerListId: 'l', createdList: false });
        await s.dispose();
        expect(await store.getSync('a')).toMatchObject({ membershipCount: 4 });
        expect(await acknowledged('a')).toEqual(sorted([list[0]!, list[2]!, list[4]!, list[5]!]));
      });

      it('a plan reports what the frozen diff finds, samples its sides and changes nothing', async () => {
        const list = hashes('x', 6);
        await syncAll('a', list.slice(0, 3));
        const { s: plan, counts: planned } = await actionSession('a', list.slice(2, 5), [list[0]!, list[5]!], true);
        expect(planned).toMatchObject({ acknowledged: 3, adds: 2, removes: 1, actions: { alreadyMembers: 1, notMembers: 1, conflicts: 0 } });
        expect(sorted(await plan.sample('ADD', 5))).toEqual(sorted(list.slice(3, 5)));
        expect(await plan.sample('REMOVE', 5)).toEqual([list[0]]);
        await plan.dispose();
        expect(await store.getSync('a')).toMatchObject({ membershipCount: 3 });
        await startSync('a');
        const { counts: frozen } = await actionSession('a', list.slice(2, 5), [list[0]!, list[5]!]);
        expect(frozen).toEqual(planned);
      });

      it('nothing staged sends nothing and removes nobody', async () => {
        const list = hashes('x', 3);
        await syncAll('a', list);
        const s = await session('a');
        expect(await s.computeDiff({ fullResync: false, explicitActions: true })).toEqual({
          acknowledged: 3,
          current: 3,
          adds: 0,
          removes: 0,
          unchanged: 3,
          actions: { addRecords: 0, removeRecords: 0, conflicts: 0, alreadyMembers: 0, notMembers: 0 },
        });
        const never = await session('never_synced');
        await never.appendRecords(list, families(3), acts(3, 'REMOVE'));
        expect(await never.computeDiff({ fullResync: false, countsOnly: true, explicitActions: true })).toMatchObject({ acknowledged: 0, adds: 0, removes: 0 });
      });

      it("a killed action run's acknowledged ranges are applied first: the rerun sends only what is missing", async () => {
        const list = hashes('x', 6);
        await syncAll('a', list.slice(0, 3));
        const killedRun = await startSync('a');
        const { s: killed, counts } = await actionSession('a', list.slice(3), [list[0]!]);
        expect(counts).toMatchObject({ adds: 3, removes: 1 });
        const sent = await killed.readRange('ADD', 0, 2);
        await killed.acknowledge({ runId: killedRun, op: 'ADD', start: 0, end: 2, customerListId: 'l', createdList: false });
        expect(await store.getSync('a')).toMatchObject({ membershipCount: 5 });
        // The rerun with the same rows: the two acknowledged adds are members now, the rest is still to send.
        await startSync('a');
        const { s: next, counts: again } = await actionSession('a', list.slice(3), [list[0]!]);
        expect(again).toMatchObject({ acknowledged: 5, adds: 1, removes: 1, actions: { alreadyMembers: 2 } });
        expect(sorted(await next.readRange('ADD', 0, 5))).toEqual(sorted(list.slice(3).filter((h) => !sent.includes(h))));
      });

      it('a later full diff starts exactly from what the action runs acknowledged', async () => {
        const list = hashes('x', 6);
        await syncAll('a', list.slice(0, 3));
        const runId = await startSync('a');
        const { s, counts } = await actionSession('a', [list[3]!], [list[0]!]);
        await s.acknowledge({ runId, op: 'ADD', start: 0, end: counts.adds, customerListId: 'l', createdList: false });
        await s.acknowledge({ runId, op: 'REMOVE', start: 0, end: counts.removes, customerListId: 'l', createdList: false });
        await s.dispose();
        const full = await session('a');
        await full.appendRecords(list.slice(1, 5), families(4));
        expect(await full.computeDiff({ fullResync: false })).toEqual({ acknowledged: 3, current: 4, adds: 1, removes: 0, unchanged: 3 });
        expect(await full.readRange('ADD', 0, 5)).toEqual([list[4]]);
      });

      it('records with and without actions never mix in one session, and actions need an action diff', async () => {
        const list = hashes('x', 2);
        const s = await session('a');
        await s.appendRecords(list.slice(0, 1), families(1), ['ADD']);
        await expect(s.appendRecords(list.slice(1), families(1))).rejects.toMatchObject({ code: 'PINSYNC_STATE_ACTIONS' });
        await expect(s.computeDiff({ fullResync: false })).rejects.toMatchObject({ code: 'PINSYNC_STATE_ACTIONS' });
        const t = await session('a');
        await expect(t.computeDiff({ fullResync: true, explicitActions: true })).rejects.toMatchObject({ code: 'PINSYNC_STATE_ACTIONS' });
      });
    });

    it('a sync with no state row cannot acknowledge', async () => {
      const s = await session('never_synced');
      await s.appendRecords(hashes('n', 1), families(1));
      await s.computeDiff({ fullResync: false });
      await expect(s.acknowledge({ runId: 1, op: 'ADD', start: 0, end: 1, customerListId: 'l', createdList: true })).rejects.toMatchObject({
        code: 'PINSYNC_STATE_UNKNOWN_SYNC',
      });
    });
  });
}

/**
 * runSync's own logic over in-memory fakes (test/fakes/in-memory-*.ts): no DuckDB, Postgres or HTTP, so each case
 * takes milliseconds and Stryker can run them against every mutant of the engine. The job, deps and options are
 * built as core/app/run-syncs.ts builds them (syncJobFromConfig's defaults). Assertions are what a user would notice:
 * what reached Pinterest, what the state remembers (always equal to, or behind, what Pinterest holds), the report.
 * Requests may be answered out of order (maxInFlight), so the only order asserted is "the create first" and "every
 * ADD before any REMOVE"; the cases that depend on it run with 1 and with 4 requests in flight.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { EXIT } from '../../core/errors.js';
import { AdaptiveBatchSize } from '../../core/batching.js';
import { PushPipeline } from '../../core/push-pipeline.js';
import type { DiffSession } from '../../core/state-store.js';
import { runSync } from '../../core/sync-engine.js';
import type { SyncJob, SyncOptions } from '../../core/sync-job.js';
import { InMemoryDestination, type InMemoryDestinationOptions } from '../fakes/in-memory-destination.js';
import { InMemoryStateStore } from '../fakes/in-memory-state-store.js';
import { InMemoryWarehouse } from '../fakes/in-memory-warehouse.js';

const emails = (n: number, from = 0): string[] => Array.from({ length: n }, (_, i) => `user${from + i}@example.com`);
const sha = (email: string): string => createHash('sha256').update(email).digest('hex');
const sorted = (xs: Iterable<string>): string[] => [...xs].sort();

function makeJob(overrides: Partial<SyncJob> = {}): SyncJob {
  return {
    name: 'vip',
    sql: 'SELECT email FROM customers',
    columns: [{ column: 'email', type: 'email' }],
    readBatchSize: 50_000,
    adAccountId: '549755885175',
    audience: { name: 'VIP customers' },
    guardrails: { maxRemovePercent: 20, allowEmptySource: false },
    batch: { maxRecords: 10_000, maxBytes: 1_000_000 },
    ...overrides,
  };
}

const SYNC: SyncOptions = { dryRun: false, fullResync: false, force: false };

/** A warehouse, a state and Pinterest, and a way to run the sync over them. */
function world(values: string[], opts: { job?: Partial<SyncJob>; destination?: InMemoryDestinationOptions } = {}) {
  const warehouse = InMemoryWarehouse.ofColumn('email', values);
  const state = new InMemoryStateStore();
  const destination = new InMemoryDestination({ audienceMinMatched: 1, ...opts.destination });
  const job = makeJob(opts.job);
  return {
    warehouse,
    state,
    destination,
    job,
    run: (options: Partial<SyncOptions> = {}, jobOverrides: Partial<SyncJob> = {}) =>
      runSync({ ...job, ...jobOverrides }, { warehouse, state, destination }, { ...SYNC, ...options }),
    setSource(next: string[]) {
      warehouse.rows = next.map((v) => [v]);
    },
    /** The sync's list id as the state remembers it. */
    async listId(): Promise<string> {
      return (await state.getSync(job.name))!.customerListId!;
    },
    /** The state never claims a member Pinterest does not hold; `exact`: the two are equal. */
    async expectStateWithinPinterest(exact: boolean): Promise<void> {
      const stored = state.data.membership(job.name);
      const listId = (await state.getSync(job.name))?.customerListId;
      const held = listId ? destination.members(listId)! : new Set<string>();
      for (const h of stored) expect(held.has(h)).toBe(true);
      if (exact) expect(sorted(stored)).toEqual(sorted(held));
    },
    /** Records of every accepted write since request `from`. */
    accepted(from = 0, call?: 'createList' | 'updateCustomerList'): string[] {
      return destination.requests
        .slice(from)
        .filter((r) => r.outcome === 'ok' && r.records !== undefined && (call === undefined || r.call === call))
        .flatMap((r) => r.records!);
    },
    writes(from = 0) {
      return destination.requests.slice(from).filter((r) => r.call === 'createList' || r.call === 'updateCustomerList');
    },
  };
}

describe('runSync over in-memory fakes', () => {
  it('a first sync creates the list with its first batch, sends everyone once and builds the audience; a second sends nothing', async () => {
    const w = world(emails(25), { job: { batch: { maxRecords: 10, maxBytes: 1_000_000 } } });
    const first = await w.run();
    expect(first).toMatchObject({ status: 'succeeded', exitCode: EXIT.ok, sent: { adds: 25, removes: 0, batches: 3 } });
    expect(first.diff).toEqual({ acknowledged: 0, current: 25, adds: 25, removes: 0, unchanged: 0 });
    expect(w.writes()[0]).toMatchObject({ call: 'createList', outcome: 'ok' });
    expect(w.writes()[0]!.records).toHaveLength(10);
    expect(w.destination.lists).toHaveLength(1);
    const listId = await w.listId();
    expect(sorted(w.destination.members(listId)!)).toEqual(sorted(emails(25).map(sha)));
    expect(sorted(w.accepted())).toEqual(sorted(emails(25).map(sha)));
    await w.expectStateWithinPinterest(true);
    expect(w.destination.audiences).toEqual([expect.objectContaining({ customerListId: listId, name: 'VIP customers' })]);
    expect(await w.state.getSync('vip')).toMatchObject({ audienceId: w.destination.audiences[0]!.id, membershipCount: 25, pendingListName: null });
    expect(first.pinterest).toMatchObject({ customerListId: listId, audienceId: w.destination.audiences[0]!.id });
    expect(first.warnings).toEqual([]);

    const before = w.destination.requests.length;
    const second = await w.run();
    expect(second).toMatchObject({ status: 'succeeded', sent: { adds: 0, removes: 0, batches: 0 } });
    expect(second.diff).toEqual({ acknowledged: 25, current: 25, adds: 0, removes: 0, unchanged: 25 });
    expect(w.writes(before)).toEqual([]);
    expect(w.destination.audiences).toHaveLength(1);
    const runs = await w.state.listRuns({ syncNames: ['vip'] });
    expect(runs.map((r) => [r.status, r.addsSent, r.batches])).toEqual([
      ['succeeded', 0, 0],
      ['succeeded', 25, 3],
    ]);
  });

  for (const maxInFlight of [1, 4]) {
    describe(`with maxInFlight ${maxInFlight}`, () => {
      const batch = { maxRecords: 5, maxBytes: 1_000_000 };

      it('churn sends exactly the delta, every ADD before any REMOVE', async () => {
        const w = world(emails(100), { job: { batch, maxInFlight } });
        await w.run();
        const before = w.destination.requests.length;
        // 10 leave (10%, under the guardrail), 15 arrive.
        const next = [...emails(90, 10), ...emails(15, 1_000)];
        w.setSource(next);
        const report = await w.run();
        expect(report).toMatchObject({ status: 'succeeded', sent: { adds: 15, removes: 10, batches: 5 } });
        const writes = w.writes(before);
        const lastAdd = writes.map((r) => r.op).lastIndexOf('ADD');
        const firstRemove = writes.map((r) => r.op).indexOf('REMOVE');
        expect(lastAdd).toBeLessThan(firstRemove);
        expect(sorted(writes.filter((r) => r.op === 'ADD').flatMap((r) => r.records!))).toEqual(sorted(emails(15, 1_000).map(sha)));
        expect(sorted(writes.filter((r) => r.op === 'REMOVE').flatMap((r) => r.records!))).toEqual(sorted(emails(10).map(sha)));
        expect(sorted(w.destination.members(await w.listId())!)).toEqual(sorted(next.map(sha)));
        expect(w.destination.peakInFlight).toBeLessThanOrEqual(maxInFlight);
        await w.expectStateWithinPinterest(true);
      });

      it('a stop between batches ends the run with what Pinterest answered acknowledged, and the rerun sends the rest', async () => {
        const w = world(emails(100), { job: { batch: { maxRecords: 10, maxBytes: 1_000_000 }, maxInFlight } });
        const stop = new AbortController();
        w.destination.holdWrites();
        const running = w.run({ signal: stop.signal });
        await w.destination.whenHeld(1);
        expect(w.destination.held[0]!.request.call).toBe('createList');
        w.destination.releaseNext();
        // The create proved the size: up to maxInFlight PATCHes go out at once.
        await w.destination.whenHeld(maxInFlight);
        stop.abort();
        w.destination.stopHolding();
        const report = await running;
        expect(report).toMatchObject({ status: 'interrupted', exitCode: EXIT.interrupted, error: { code: 'PINSYNC_INTERRUPTED' } });
        expect(report.sent.adds).toBe(10 + 10 * maxInFlight);
        expect(w.writes()).toHaveLength(1 + maxInFlight);
        expect(w.destination.peakInFlight).toBe(maxInFlight);
        await w.expectStateWithinPinterest(true);
        expect(w.state.data.membership('vip').size).toBe(10 + 10 * maxInFlight);
        expect(w.destination.audiences).toEqual([]);

        const rerun = await w.run();
        expect(rerun).toMatchObject({ status: 'succeeded', sent: { adds: 90 - 10 * maxInFlight, removes: 0 } });
        expect(w.destination.lists).toHaveLength(1);
        expect(w.destination.members(await w.listId())!.size).toBe(100);
        await w.expectStateWithinPinterest(true);
      });

      it('a write that fails mid-push (not applied) leaves the state equal to Pinterest; the rerun ends exact', async () => {
        const w = world(emails(100), { job: { batch: { maxRecords: 10, maxBytes: 1_000_000 }, maxInFlight } });
        w.destination.failCall('updateCustomerList', { kind: 'server' }, 3);
        const report = await w.run();
        expect(report).toMatchObject({ status: 'failed', exitCode: EXIT.syncFailed, error: { code: 'PINSYNC_PINTEREST_SERVER' } });
        await w.expectStateWithinPinterest(true);
        expect(report.sent.adds).toBe(w.state.data.membership('vip').size);
        expect(report.sent.adds).toBeLessThan(100);
        const rerun = await w.run();
        expect(rerun.status).toBe('succeeded');
        expect(report.sent.adds + rerun.sent.adds).toBe(100);
        expect(w.destination.members(await w.listId())!.size).toBe(100);
        await w.expectStateWithinPinterest(true);
      });

      it('a write Pinterest applied but whose answer failed leaves the state behind Pinterest, never ahead', async () => {
        const w = world(emails(100), { job: { batch: { maxRecords: 10, maxBytes: 1_000_000 }, maxInFlight } });
        w.destination.failCall('updateCustomerList', { kind: 'server', applied: true }, 2);
        const report = await w.run();
        expect(report.status).toBe('failed');
        await w.expectStateWithinPinterest(false);
        const listId = await w.listId();
        expect(w.destination.members(listId)!.size).toBe(w.state.data.membership('vip').size + 10);
        const rerun = await w.run();
        expect(rerun.status).toBe('succeeded');
        await w.expectStateWithinPinterest(true);
        expect(w.destination.members(listId)!.size).toBe(100);
      });

      it('a PATCH refused as too large is split: no record dropped or sent twice, and the smaller size is remembered', async () => {
        const w = world(emails(10), { job: { batch: { maxRecords: 100, maxBytes: 1_000_000 }, maxInFlight } });
        await w.run();
        const before = w.destination.requests.length;
        w.destination.maxRecordsPerRequest = 7;
        w.setSource(emails(110));
        const report = await w.run();
        expect(report).toMatchObject({ status: 'succeeded', sent: { adds: 100, removes: 0 } });
        expect(sorted(w.accepted(before))).toEqual(sorted(emails(100, 10).map(sha)));
        // Halved until accepted; halves queued before a shrink are re-cut at the smaller size before they go out.
        expect(w.writes(before).filter((r) => r.outcome === 'tooLarge').map((r) => r.records!.length).slice(0, 4)).toEqual([100, 50, 25, 12]);
        expect(Math.max(...w.writes(before).filter((r) => r.outcome === 'ok').map((r) => r.records!.length))).toBeLessThanOrEqual(7);
        expect((await w.state.getSync('vip'))!.maxBatchRecords).toBeLessThanOrEqual(7);
        expect(report.warnings).toContain(
          'Pinterest refused a batch of 100 records as too large; pinsync now sends at most 50 per request (remembered; larger batches are tried again after 10 clean ones)',
        );
        await w.expectStateWithinPinterest(true);
      });
    });
  }

  for (const maxInFlight of [1, 4]) {
    it(`ranges queued before a shrink are re-cut at the smaller size, not refused again (maxInFlight ${maxInFlight})`, async () => {
      const w = world(emails(10), { job: { batch: { maxRecords: 100, maxBytes: 1_000_000 }, maxInFlight } });
      await w.run();
      const before = w.destination.requests.length;
      w.destination.maxRecordsPerRequest = 7;
      w.setSource(emails(110));
      const report = await w.run();
      expect(report).toMatchObject({ status: 'succeeded', sent: { adds: 100, removes: 0 } });
      const accepted = w.accepted(before);
      expect(accepted).toHaveLength(100);
      expect(sorted(accepted)).toEqual(sorted(emails(100, 10).map(sha)));
      // 100, 50, 25, 12 are refused on the way down to 6; the probe of 12 after 10 clean requests is the only other.
      const refused = w.writes(before).filter((r) => r.outcome === 'tooLarge').map((r) => r.records!.length);
      expect(refused).toEqual([100, 50, 25, 12, 12]);
      expect(report.sent.batches).toBe(w.writes(before).filter((r) => r.outcome === 'ok').length);
      await w.expectStateWithinPinterest(true);
    });
  }

  it('acknowledged adds reach the stored membership during the push, every applyAddsEvery records, and all of it by the end', async () => {
    const w = world(emails(300), { job: { batch: { maxRecords: 20, maxBytes: 1_000_000 }, maxInFlight: 1 } });
    // What the stored membership (pending ranges not included) holds each time a PATCH arrives.
    const appliedAtPatch: number[] = [];
    const send = w.destination.updateCustomerList.bind(w.destination);
    w.destination.updateCustomerList = async (...args) => {
      appliedAtPatch.push(w.state.data.membership('vip').size);
      return send(...args);
    };
    const report = await w.run({ applyAddsEvery: 100 });
    expect(report).toMatchObject({ status: 'succeeded', sent: { adds: 300 } });
    // Applied in steps of at least 100 while the push went on, never all at the end only.
    expect(Math.max(...appliedAtPatch)).toBeGreaterThanOrEqual(200);
    expect(new Set(appliedAtPatch.filter((n) => n > 0)).size).toBeGreaterThanOrEqual(2);
    expect(w.state.data.membership('vip').size).toBe(300);
    expect(w.state.data.leftovers()).toBe(0);
  });

  it('a short last range refused under a probe does not shrink the remembered size below one accepted in the run', async () => {
    const w = world(emails(12), { job: { batch: { maxRecords: 12, maxBytes: 1_000_000 }, maxInFlight: 1 }, destination: { maxRecordsPerRequest: 7 } });
    await w.run();
    expect((await w.state.getSync('vip'))!.maxBatchRecords).toBe(6);
    const before = w.destination.requests.length;
    // 60 go in 10 clean requests of 6; the probe then cuts the last 10 (under its 12), which Pinterest refuses.
    w.setSource(emails(82));
    const report = await w.run();
    expect(report).toMatchObject({ status: 'succeeded', sent: { adds: 70 } });
    expect(w.writes(before).filter((r) => r.outcome === 'tooLarge').map((r) => r.records!.length)).toEqual([10]);
    expect(sorted(w.accepted(before))).toEqual(sorted(emails(70, 12).map(sha)));
    expect((await w.state.getSync('vip'))!.maxBatchRecords).toBe(6);
    await w.expectStateWithinPinterest(true);
  });

  it('a create refused as too large is split down until accepted; report.sent is exact and the next run starts at the smaller size', async () => {
    const w = world(emails(100), { job: { batch: { maxRecords: 50, maxBytes: 1_000_000 } }, destination: { maxRecordsPerRequest: 7 } });
    const report = await w.run();
    expect(report).toMatchObject({ status: 'succeeded', sent: { adds: 100 } });
    const creates = w.writes().filter((r) => r.call === 'createList');
    expect(creates.map((r) => [r.records!.length, r.outcome])).toEqual([
      [50, 'tooLarge'],
      [25, 'tooLarge'],
      [12, 'tooLarge'],
      [6, 'ok'],
    ]);
    expect(w.destination.lists).toHaveLength(1);
    const accepted = w.accepted();
    expect(accepted).toHaveLength(100);
    expect(sorted(accepted)).toEqual(sorted(emails(100).map(sha)));
    const remembered = (await w.state.getSync('vip'))!.maxBatchRecords;
    expect(remembered).toBeGreaterThanOrEqual(1);
    expect(remembered).toBeLessThanOrEqual(7);
    await w.expectStateWithinPinterest(true);

    const before = w.destination.requests.length;
    w.setSource(emails(130));
    const next = await w.run();
    expect(next.sent.adds).toBe(30);
    expect(w.writes(before)[0]).toMatchObject({ outcome: 'ok' });
    expect(w.writes(before)[0]!.records!.length).toBe(remembered);
    expect(sorted(w.accepted(before))).toEqual(sorted(emails(30, 100).map(sha)));
  });

  describe('guardrails', () => {
    async function synced(n: number) {
      const w = world(emails(n));
      await w.run();
      return { w, before: w.destination.requests.length, members: sorted(w.state.data.membership('vip')) };
    }

    it('removals above maxRemovePercent block the run: nothing sent, nothing stored', async () => {
      const { w, before, members } = await synced(100);
      w.setSource(emails(79));
      const report = await w.run();
      expect(report).toMatchObject({ status: 'guardrail', exitCode: EXIT.guardrail, sent: { adds: 0, removes: 0, batches: 0 } });
      expect(report.guardrail.verdict).toBe('blocked');
      expect(report.error!.message).toContain('21 removals are 21.0% of the 100 acknowledged members');
      expect(w.writes(before)).toEqual([]);
      expect(sorted(w.state.data.membership('vip'))).toEqual(members);
      await w.expectStateWithinPinterest(true);
    });

    it('removals of exactly maxRemovePercent pass', async () => {
      const { w } = await synced(100);
      w.setSource(emails(80));
      const report = await w.run();
      expect(report).toMatchObject({ status: 'succeeded', sent: { adds: 0, removes: 20 } });
      await w.expectStateWithinPinterest(true);
    });

    it('an empty source is blocked unless allowEmptySource', async () => {
      const { w, before } = await synced(10);
      w.setSource([]);
      const blocked = await w.run();
      expect(blocked).toMatchObject({ status: 'guardrail', sent: { removes: 0 } });
      expect(blocked.error!.message).toContain('the source yielded no valid identifiers, which would remove all 10 members');
      expect(w.writes(before)).toEqual([]);
      const allowed = await w.run({}, { guardrails: { maxRemovePercent: 100, allowEmptySource: true } });
      expect(allowed).toMatchObject({ status: 'succeeded', sent: { removes: 10 } });
      expect(w.destination.members(await w.listId())!.size).toBe(0);
      await w.expectStateWithinPinterest(true);
    });

    it('--force sends anyway and says which guardrail it overrode', async () => {
      const { w } = await synced(100);
      w.setSource(emails(50));
      const report = await w.run({ force: true });
      expect(report).toMatchObject({ status: 'succeeded', guardrail: { verdict: 'overridden' }, sent: { removes: 50 } });
      expect(report.warnings.some((x) => x.startsWith('guardrail overridden by --force: 50 removals are 50.0%'))).toBe(true);
      await w.expectStateWithinPinterest(true);
    });
  });

  describe('plan (dry run)', () => {
    it('a first plan counts exactly, calls Pinterest never and stores nothing', async () => {
      const w = world(emails(40));
      const report = await w.run({ dryRun: true });
      expect(report).toMatchObject({ status: 'planned', mode: 'plan', exitCode: EXIT.ok, sent: { adds: 0, removes: 0, batches: 0 } });
      expect(report.diff).toEqual({ acknowledged: 0, current: 40, adds: 40, removes: 0, unchanged: 0 });
      expect(w.destination.requests).toEqual([]);
      expect(await w.state.getSync('vip')).toBeUndefined();
      expect(await w.state.listRuns({})).toEqual([]);
    });

    it('a plan after a sync counts the churn exactly and changes nothing', async () => {
      const w = world(emails(100));
      await w.run();
      const before = w.destination.requests.length;
      const members = sorted(w.state.data.membership('vip'));
      w.setSource([...emails(88, 12), ...emails(7, 500)]);
      const report = await w.run({ dryRun: true });
      expect(report.diff).toEqual({ acknowledged: 100, current: 95, adds: 7, removes: 12, unchanged: 88 });
      expect(report.samples.removes.every((h) => members.includes(h))).toBe(true);
      expect(w.destination.requests.length).toBe(before);
      expect(sorted(w.state.data.membership('vip'))).toEqual(members);
      expect(await w.state.listRuns({})).toHaveLength(1);
    });

    it('a plan needs no destination at all', async () => {
      const warehouse = InMemoryWarehouse.ofColumn('email', emails(3));
      const report = await runSync(makeJob(), { warehouse, state: new InMemoryStateStore(), destination: undefined }, { ...SYNC, dryRun: true });
      expect(report).toMatchObject({ status: 'planned', diff: { adds: 3 } });
    });
  });

  describe('a create whose answer was lost', () => {
    it('applied: the list is adopted as this sync’s own, never created twice', async () => {
      const w = world(emails(30), { job: { batch: { maxRecords: 10, maxBytes: 1_000_000 } } });
      w.destination.failCall('createList', { kind: 'uncertain', applied: true });
      const report = await w.run();
      expect(report.status).toBe('succeeded');
      expect(w.destination.lists).toHaveLength(1);
      expect(w.writes().filter((r) => r.call === 'createList')).toHaveLength(1);
      expect(report.warnings.some((x) => x.startsWith(`adopted customer list ${w.destination.lists[0]!.id}`))).toBe(true);
      // The adopted batch is re-sent (harmless for a set); the counters are then allowed to have grown by more.
      expect(report.warnings.some((x) => x.includes('counters disagree'))).toBe(false);
      expect(w.destination.members(await w.listId())!.size).toBe(30);
      await w.expectStateWithinPinterest(true);
    });

    it('not applied: created once more, one list in the end', async () => {
      const w = world(emails(30), { job: { batch: { maxRecords: 10, maxBytes: 1_000_000 } } });
      w.destination.failCall('createList', { kind: 'uncertain', applied: false });
      const report = await w.run();
      expect(report).toMatchObject({ status: 'succeeded', sent: { adds: 30 } });
      expect(w.writes().filter((r) => r.call === 'createList').map((r) => r.outcome)).toEqual(['failed', 'ok']);
      expect(w.destination.lists).toHaveLength(1);
      await w.expectStateWithinPinterest(true);
    });

    it('a same-named list that someone else wrote to meanwhile is not adopted: the run stops and says so', async () => {
      const w = world(emails(30), { job: { batch: { maxRecords: 10, maxBytes: 1_000_000 } } });
      w.destination.failCall('createList', { kind: 'uncertain', applied: false });
      let looks = 0;
      w.destination.onCall = (call) => {
        if (call === 'listCustomerLists' && ++looks === 2) w.destination.addForeignList('VIP customers', [sha('other@example.com')], 1);
      };
      const report = await w.run();
      expect(report).toMatchObject({ status: 'failed', error: { code: 'PINSYNC_LIST_AMBIGUOUS' } });
      expect(w.writes().filter((r) => r.outcome === 'ok')).toEqual([]);
      expect(w.state.data.membership('vip').size).toBe(0);
      expect((await w.state.getSync('vip'))!.customerListId).toBeNull();
    });

    it('twice unanswered stops the run rather than creating again', async () => {
      const w = world(emails(5));
      w.destination.failCall('createList', { kind: 'uncertain', applied: false }, 1);
      w.destination.failCall('createList', { kind: 'uncertain', applied: false }, 2);
      const report = await w.run();
      expect(report).toMatchObject({ status: 'failed', error: { code: 'PINSYNC_PINTEREST_CREATE_UNCERTAIN' } });
      expect(w.writes()).toHaveLength(2);
      expect(w.destination.lists).toEqual([]);
    });
  });

  it('a list with the audience name that this sync did not create is never written to', async () => {
    const w = world(emails(5));
    w.destination.addForeignList('VIP customers', [sha('someone@example.com')]);
    const report = await w.run();
    expect(report).toMatchObject({ status: 'failed', exitCode: EXIT.usage, error: { code: 'PINSYNC_LIST_NAME_TAKEN' } });
    expect(w.writes()).toEqual([]);
  });

  it('a list deleted on Pinterest is a clear error naming --recreate, and nothing is sent; --recreate starts over', async () => {
    const w = world(emails(20));
    await w.run();
    const old = await w.listId();
    w.destination.deleteList(old);
    const before = w.destination.requests.length;
    w.setSource(emails(21));
    const report = await w.run();
    expect(report).toMatchObject({ status: 'failed', exitCode: EXIT.syncFailed, error: { code: 'PINSYNC_LIST_MISSING' } });
    expect(report.error!.message).toContain(`customer list ${old} no longer exists`);
    expect(report.error!.message).toContain('pinsync sync --sync vip --recreate');
    expect(w.writes(before)).toEqual([]);

    const recreated = await w.run({ recreate: true });
    expect(recreated).toMatchObject({ status: 'succeeded', sent: { adds: 21 } });
    expect(await w.listId()).not.toBe(old);
    await w.expectStateWithinPinterest(true);
  });

  it('a list deleted during the push fails the run with the same clear error', async () => {
    const w = world(emails(50), { job: { batch: { maxRecords: 10, maxBytes: 1_000_000 }, maxInFlight: 1 } });
    w.destination.onWrite = (r) => {
      if (r.call === 'updateCustomerList') w.destination.deleteList(r.listId!);
    };
    const report = await w.run();
    expect(report).toMatchObject({ status: 'failed', error: { code: 'PINSYNC_LIST_MISSING' } });
    expect(report.sent.adds).toBe(20);
  });

  it('counters that grew by more than the run sent (someone else wrote to the list) are a warning, not a failure', async () => {
    const w = world(emails(20));
    await w.run();
    w.setSource(emails(25));
    w.destination.onWrite = (r) => {
      if (r.call === 'updateCustomerList') w.destination.externalWrite(r.listId!, 'ADD', [sha('intruder@example.com')]);
    };
    const report = await w.run();
    expect(report.status).toBe('succeeded');
    expect(report.warnings).toContain(
      "Pinterest's counters disagree with what pinsync sent this run: num_uploaded_user_records grew by 6, pinsync sent 5 additions (was the list changed outside pinsync?)",
    );
    // With retries the counters may have grown by more: no warning.
    w.destination.onWrite = undefined;
    w.setSource(emails(26));
    w.destination.countRetries(1);
    w.destination.onWrite = (r) => {
      if (r.call === 'updateCustomerList') w.destination.externalWrite(r.listId!, 'ADD', [sha('again@example.com')]);
    };
    expect((await w.run()).warnings).toEqual([]);
  });

  it('an audience Pinterest finds too small is not an error: the next run builds it', async () => {
    const w = world(emails(5), { destination: { audienceMinMatched: 10 } });
    const report = await w.run();
    expect(report.status).toBe('succeeded');
    expect(report.warnings).toContain('the audience was not created yet: Pinterest needs at least 100 matched users on the list; pinsync will try again on the next run');
    expect(w.destination.audiences).toEqual([]);
    w.setSource(emails(12));
    await w.run();
    expect(w.destination.audiences).toHaveLength(1);
    expect((await w.state.getSync('vip'))!.audienceId).toBe(w.destination.audiences[0]!.id);
  });
  /** Runs `onRead(n)` as the n-th readRange of the sync's sessions starts (1-based). */
  function onReadRange(state: InMemoryStateStore, onRead: (n: number) => void): void {
    const open = state.openDiff.bind(state);
    let reads = 0;
    state.openDiff = async (name: string): Promise<DiffSession> => {
      const session = await open(name);
      const read = session.readRange.bind(session);
      session.readRange = async (op, start, end) => {
        onRead(++reads);
        return read(op, start, end);
      };
      return session;
    };
  }

  it('after a failed write no further request starts; the ones out are answered and acknowledged', async () => {
    const w = world(emails(100), { job: { batch: { maxRecords: 10, maxBytes: 1_000_000 }, maxInFlight: 4 } });
    w.destination.failCall('updateCustomerList', { kind: 'server' }, 1);
    w.destination.holdWrites();
    const running = w.run();
    await w.destination.whenHeld(1);
    w.destination.releaseNext(); // the create
    await w.destination.whenHeld(4);
    w.destination.releaseNext(); // the first PATCH fails
    w.destination.stopHolding();
    const report = await running;
    expect(report).toMatchObject({ status: 'failed', error: { code: 'PINSYNC_PINTEREST_SERVER' } });
    expect(w.writes()).toHaveLength(5);
    expect(report.sent.adds).toBe(40);
    await w.expectStateWithinPinterest(true);
  });

  it('requests already out when Pinterest starts refusing their size are split too: nothing dropped at the end of the delta', async () => {
    const w = world(emails(10), { job: { batch: { maxRecords: 10, maxBytes: 1_000_000 }, maxInFlight: 4 } });
    await w.run();
    const before = w.destination.requests.length;
    w.setSource(emails(50));
    // A limit that appears once the size was proven, while the last ranges of the delta are in flight.
    w.destination.onWrite = (r) => {
      if (r.call === 'updateCustomerList') w.destination.maxRecordsPerRequest = 7;
    };
    const report = await w.run();
    expect(report).toMatchObject({ status: 'succeeded', sent: { adds: 40 } });
    expect(w.writes(before).filter((r) => r.outcome === 'tooLarge').length).toBeGreaterThan(0);
    expect(sorted(w.accepted(before))).toEqual(sorted(emails(40, 10).map(sha)));
    expect(w.destination.members(await w.listId())!.size).toBe(50);
    await w.expectStateWithinPinterest(true);
  });

  it('a stop that comes while a batch is read from the state sends that batch no more', async () => {
    const w = world(emails(30), { job: { batch: { maxRecords: 10, maxBytes: 1_000_000 }, maxInFlight: 1 } });
    const stop = new AbortController();
    // Read 1 is the create's first batch, read 2 the first PATCH's.
    onReadRange(w.state, (n) => {
      if (n === 2) stop.abort();
    });
    const report = await w.run({ signal: stop.signal });
    expect(report).toMatchObject({ status: 'interrupted', sent: { adds: 10 } });
    expect(w.writes().map((r) => r.call)).toEqual(['createList']);
    await w.expectStateWithinPinterest(true);
  });

  it('a state read that fails ends the push with that error, and nothing unread is sent', async () => {
    const w = world(emails(30), { job: { batch: { maxRecords: 10, maxBytes: 1_000_000 }, maxInFlight: 1 } });
    onReadRange(w.state, (n) => {
      if (n === 2) throw new Error('disk gone');
    });
    const report = await w.run();
    expect(report).toMatchObject({ status: 'failed', error: { code: 'PINSYNC_UNEXPECTED', message: 'disk gone' }, sent: { adds: 10 } });
    expect(w.writes().map((r) => r.call)).toEqual(['createList']);
    await w.expectStateWithinPinterest(true);
  });

  it('a pipeline refuses a maxInFlight that is not a whole number of at least 1', () => {
    const hooks = {} as ConstructorParameters<typeof PushPipeline>[0]['hooks'];
    const size = new AdaptiveBatchSize(10, 10);
    for (const bad of [0, -1, 1.5, Number.NaN]) expect(() => new PushPipeline({ size, maxInFlight: bad, hooks })).toThrow(RangeError);
    expect(() => new PushPipeline({ size, maxInFlight: 1, hooks })).not.toThrow();
  });
  it('two runs of one sync at once: the second is refused naming the first, sends nothing, and the lock is freed after', async () => {
    const w = world(emails(20));
    w.destination.holdWrites();
    const first = w.run();
    await w.destination.whenHeld(1);
    const second = await w.run();
    expect(second).toMatchObject({ status: 'failed', exitCode: EXIT.syncFailed, error: { code: 'PINSYNC_LOCKED' } });
    expect(second.error!.message).toMatch(/sync vip is already running \(run 1, pid \d+ on /);
    expect(w.writes()).toHaveLength(1);
    w.destination.stopHolding();
    expect((await first).status).toBe('succeeded');
    expect((await w.run()).status).toBe('succeeded');
    await w.expectStateWithinPinterest(true);
  });
});

/**
 * One suite every state engine passes (like test/warehouses/warehouse-conformance.ts): sync records, run history,
 * the acknowledgement log, tokens at rest, lock semantics and migrations from every earlier schema version.
 * Registered by duckdb-state-conformance.test.ts and postgres-state-conformance.test.ts.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { STATE_MIGRATIONS, STATE_SCHEMA_VERSION } from '../../connectors/state/state-migrations.js';
import { TokenCipher } from '../../connectors/state/token-cipher.js';
import { PinsyncError } from '../../core/errors.js';
import type { StateStore } from '../../core/state-store.js';
import type { SyncReport } from '../../core/sync-report.js';

/** One empty state location (a file, a schema) for one test. */
export interface StateLocationHandle {
  /** Opens a store on the location (migrating it); with `readOnly`, undefined when nothing exists there yet. */
  open(opts?: { cipher?: TokenCipher; readOnly?: boolean }): Promise<StateStore | undefined>;
  /** Creates the schema an older pinsync left at `version` (its migrations only), empty. */
  createAtVersion(version: number): Promise<void>;
  /** Runs SQL on the location's tables, as an older pinsync would have written them (stores must be closed for DuckDB). */
  exec(statements: string[]): Promise<void>;
  /** Every stored byte as text, to search for secrets (stores must be closed). */
  dump(): Promise<string>;
  /**
   * Makes the holder of `syncName`'s lock in `store` die as a crash would: DuckDB: the process that held the file is
   * gone (the store is closed without releasing); Postgres: the lock connection is terminated on the server.
   */
  crashLockHolder(store: StateStore, syncName: string): Promise<void>;
  /** Drops the location. */
  cleanup(): Promise<void>;
}

export interface StateConformanceTarget {
  /** `duckdb` or `postgres`. */
  kind: string;
  /** Whether tokens may be stored without PINSYNC_STATE_KEY (a private file) or must be encrypted (shared database). */
  plainTokensAllowed: boolean;
  /** A fresh, empty location. */
  fresh(): Promise<StateLocationHandle>;
  /** Why this engine skips the schema-migration cases (it has no SQL schema, e.g. the in-memory fake); unset: run them. */
  skipMigrations?: string;
}

const OWNER = { pid: 4242, host: 'runner-a', runId: null };
const KEY = randomBytes(32);

function report(syncName: string): SyncReport {
  return { sync: syncName, status: 'succeeded' } as unknown as SyncReport;
}

export function describeStateConformance(target: StateConformanceTarget): void {
  describe(`state conformance: ${target.kind}`, () => {
    const handles: StateLocationHandle[] = [];
    const stores: StateStore[] = [];

    async function fresh(): Promise<StateLocationHandle> {
      const h = await target.fresh();
      handles.push(h);
      return h;
    }
    async function open(h: StateLocationHandle, opts: { cipher?: TokenCipher } = {}): Promise<StateStore> {
      const store = (await h.open({ cipher: TokenCipher.fromEnv(KEY.toString('base64')), ...opts }))!;
      stores.push(store);
      return store;
    }

    afterEach(async () => {
      for (const s of stores.splice(0)) await s.close();
      for (const h of handles.splice(0)) await h.cleanup();
    });

    it('keeps sync records: created on first save, patched field by field, with an empty membership', async () => {
      const store = await open(await fresh());
      expect(await store.getSync('vip')).toBeUndefined();
      await store.saveSync('vip', { adAccountId: '549755885175', normalizationVersion: 1, pendingListName: 'VIP', pendingListKnownIds: ['1', '2'] });
      const saved = await store.saveSync('vip', { customerListId: '9001', pendingListName: null, pendingListKnownIds: null, maxBatchRecords: 2500 });
      expect(saved).toEqual({
        name: 'vip',
        adAccountId: '549755885175',
        customerListId: '9001',
        audienceId: null,
        normalizationVersion: 1,
        pendingListName: null,
        pendingListKnownIds: null,
        maxBatchRecords: 2500,
        membershipCount: 0,
      });
      expect(await store.getSync('other')).toBeUndefined();
    });

    it('records run history newest first, marks a run that never finished as interrupted, filters by sync', async () => {
      const store = await open(await fresh());
      const first = await store.startRun('vip', new Date('2026-01-01T00:00:00Z'));
      const second = await store.startRun('vip', new Date('2026-01-02T00:00:00Z'));
      await store.finishRun(second, { status: 'succeeded', report: report('vip') });
      const other = await store.startRun('churned', new Date('2026-01-03T00:00:00Z'));
      expect(second).toBeGreaterThan(first);
      const runs = await store.listRuns({});
      expect(runs.map((r) => [r.id, r.syncName, r.status])).toEqual([
        [other, 'churned', 'running'],
        [second, 'vip', 'succeeded'],
        [first, 'vip', 'interrupted'],
      ]);
      expect(runs[1]!.startedAt).toBe('2026-01-02T00:00:00.000Z');
      expect(runs[1]!.finishedAt).not.toBeNull();
      expect(runs[1]!.report).toEqual(report('vip'));
      // a running run whose process holds no lock is reported as gone
      expect(runs[0]!.holderGone).toBe(true);
      expect((await store.listRuns({ syncNames: ['vip'], limit: 1 })).map((r) => r.id)).toEqual([second]);
    });

    it('shows a run as live while its lock is held', async () => {
      const store = await open(await fresh());
      const lock = await store.acquireLock('vip', OWNER);
      const run = await store.startRun('vip', new Date());
      await lock.setRun(run);
      expect((await store.listRuns({}))[0]!.holderGone).toBe(false);
      await lock.release();
      expect((await store.listRuns({}))[0]!.holderGone).toBe(true);
    });

    it('keeps the acknowledgement log: each batch moves its range into the membership and counts on the run', async () => {
      const store = await open(await fresh());
      await store.saveSync('vip', { normalizationVersion: 1 });
      const lock = await store.acquireLock('vip', OWNER);
      const run = await store.startRun('vip', new Date());
      await lock.setRun(run);
      const session = await store.openDiff('vip');
      const hashes = ['a', 'b', 'c'].map((c) => c.repeat(64));
      await session.appendRecords(hashes, ['email', 'email', 'maid']);
      expect(await session.computeDiff({ fullResync: false })).toMatchObject({ adds: 3, removes: 0 });
      await session.acknowledge({ runId: run, op: 'ADD', start: 0, end: 2, customerListId: '77', createdList: true });
      await session.acknowledge({ runId: run, op: 'ADD', start: 2, end: 3, customerListId: '77', createdList: false });
      await session.dispose();
      expect(await store.getSync('vip')).toMatchObject({ customerListId: '77', membershipCount: 3 });
      const [recorded] = await store.listRuns({ syncNames: ['vip'] });
      expect(recorded).toMatchObject({ id: run, addsSent: 3, removesSent: 0, batches: 2, customerListId: '77' });
      await store.clearMembership('vip');
      expect((await store.getSync('vip'))!.membershipCount).toBe(0);
      await lock.release();
    });

    it('round-trips tokens encrypted: the stored bytes never contain them', async () => {
      const h = await fresh();
      const store = await open(h);
      const access = `pina_${randomBytes(24).toString('hex')}`;
      const refresh = `pinr_${randomBytes(24).toString('hex')}`;
      const expires = new Date('2027-01-01T00:00:00Z');
      await store.saveTokens('app:acct', { accessToken: access, accessExpiresAt: expires, refreshToken: refresh, refreshExpiresAt: null, configFingerprint: 'fp' });
      expect(await store.getTokens('app:acct')).toMatchObject({ accessToken: access, accessExpiresAt: expires, refreshToken: refresh, refreshExpiresAt: null, configFingerprint: 'fp' });
      expect(await store.getTokens('other')).toBeUndefined();
      await store.close();
      const dump = await h.dump();
      expect(dump.length).toBeGreaterThan(0);
      expect(dump).not.toContain(access);
      expect(dump).not.toContain(refresh);
      const wrongKey = await open(h, { cipher: TokenCipher.fromEnv(randomBytes(32).toString('hex')) });
      await expect(wrongKey.getTokens('app:acct')).rejects.toMatchObject({ code: 'PINSYNC_STATE_KEY_WRONG' });
      await wrongKey.close();
      const noKey = await open(h, { cipher: TokenCipher.fromEnv('') });
      await expect(noKey.getTokens('app:acct')).rejects.toMatchObject({ code: 'PINSYNC_STATE_KEY_MISSING', message: expect.stringContaining('PINSYNC_STATE_KEY') });
    });

    it(target.plainTokensAllowed ? 'stores tokens without a key (a private file) and reads them once a key is set' : 'refuses to store tokens without PINSYNC_STATE_KEY, saying how to set one', async () => {
      const h = await fresh();
      const store = await open(h, { cipher: TokenCipher.fromEnv('') });
      const tokens = { accessToken: 'pina_plain', accessExpiresAt: null, refreshToken: null, refreshExpiresAt: null, configFingerprint: 'fp' };
      if (!target.plainTokensAllowed) {
        const err = (await store.saveTokens('k', tokens).catch((e: unknown) => e)) as PinsyncError;
        expect(err.code).toBe('PINSYNC_STATE_KEY_MISSING');
        expect(err.message).toMatch(/PINSYNC_STATE_KEY.*32-byte.*openssl rand -base64 32/);
        expect(await store.getTokens('k')).toBeUndefined();
        return;
      }
      await store.saveTokens('k', tokens);
      await store.close();
      // the control for the encrypted test above: a plain token is findable in the same dump
      expect(await h.dump()).toContain('pina_plain');
      const keyed = await open(h);
      expect((await keyed.getTokens('k'))!.accessToken).toBe('pina_plain');
    });

    it('refuses a second holder of a sync’s lock naming the holder, and frees a dead holder’s lock', async () => {
      const h = await fresh();
      const store = await open(h);
      const lock = await store.acquireLock('vip', OWNER);
      const run = await store.startRun('vip', new Date());
      await lock.setRun(run);
      const err = (await store.acquireLock('vip', { ...OWNER, host: 'runner-b' }).catch((e: unknown) => e)) as PinsyncError;
      expect(err).toBeInstanceOf(PinsyncError);
      expect(err.code).toBe('PINSYNC_LOCKED');
      expect(err.exitCode).toBe(1);
      expect(err.message).toContain(`run ${run}, pid 4242 on runner-a`);
      const other = await store.acquireLock('churned', OWNER);
      await other.release();

      await h.crashLockHolder(store, 'vip');
      const next = await open(h);
      const taken = await next.acquireLock('vip', { ...OWNER, host: 'runner-b' });
      await taken.release();
    });

    it('remembers handled dbt sync requests: only the keys asked about, first record kept, across a reopen', async () => {
      const h = await fresh();
      const store = await open(h);
      expect(store.handledRequests).toBeDefined();
      expect(await store.handledRequests!([])).toEqual(new Set());
      const a = 'inv-1/model.shop.vip/vip_audience';
      const b = 'inv-1/model.shop.vip/vip_lookalike';
      expect(await store.handledRequests!([a, b])).toEqual(new Set());
      const run = await store.startRun('vip_audience', new Date());
      await store.markRequestsHandled!([{ key: a, syncName: 'vip_audience', runId: run, handledAt: new Date('2026-01-01T00:00:00Z') }]);
      // a second mark of the same key (a retried poll) is not an error and keeps the first record
      await store.markRequestsHandled!([
        { key: a, syncName: 'vip_audience', runId: run + 1, handledAt: new Date() },
        { key: b, syncName: 'vip_lookalike', runId: null, handledAt: new Date() },
      ]);
      await store.markRequestsHandled!([]);
      expect(await store.handledRequests!([a, b, 'inv-2/model.shop.vip/vip_audience'])).toEqual(new Set([a, b]));
      await store.close();
      const again = await open(h);
      expect(await again.handledRequests!([b])).toEqual(new Set([b]));
    });

    it('migrates an empty location to the current schema, and reopens without migrating again', async () => {
      const h = await fresh();
      const store = await open(h);
      await store.saveSync('vip', { normalizationVersion: 1 });
      await store.close();
      const again = await open(h);
      expect(await again.getSync('vip')).toMatchObject({ name: 'vip' });
    });

    for (const m of STATE_MIGRATIONS.filter((x) => x.version < STATE_SCHEMA_VERSION)) {
      it.skipIf(target.skipMigrations !== undefined)(`migrates a state left at version ${m.version} to ${STATE_SCHEMA_VERSION}, keeping its syncs, runs and plain tokens${target.skipMigrations ? ` (skipped: ${target.skipMigrations})` : ''}`, async () => {
        const h = await fresh();
        await h.createAtVersion(m.version);
        await h.exec([
          `INSERT INTO syncs (name, customer_list_id, normalization_version, created_at, updated_at) VALUES ('vip', '77', 1, TIMESTAMP '2026-01-01 00:00:00', TIMESTAMP '2026-01-01 00:00:00')`,
          `INSERT INTO runs (sync_name, status, started_at, finished_at) VALUES ('vip', 'succeeded', TIMESTAMP '2026-01-01 00:00:00', TIMESTAMP '2026-01-01 00:01:00')`,
          `INSERT INTO tokens (destination_key, access_token, config_fingerprint, updated_at) VALUES ('k', 'pina_old', 'fp', TIMESTAMP '2026-01-01 00:00:00')`,
          `INSERT INTO locks (sync_name, pid, host, acquired_at, heartbeat_at) VALUES ('vip', 1, 'old-box', TIMESTAMP '2026-01-01 00:00:00', TIMESTAMP '2026-01-01 00:00:00')`,
        ]);
        const store = await open(h);
        expect(await store.getSync('vip')).toMatchObject({ customerListId: '77', pendingListKnownIds: null, membershipCount: 0 });
        expect((await store.listRuns({})).map((r) => r.status)).toEqual(['succeeded']);
        expect((await store.getTokens('k'))!.accessToken).toBe('pina_old');
        // the old lock row was left by a process that is gone
        const lock = await store.acquireLock('vip', OWNER);
        await lock.release();
      });
    }
  });
}

/**
 * SyncReport fixtures for the output tests: a plan that a guardrail blocks, a successful sync with Pinterest's
 * counters, and a failed run. Built from a base so each fixture states only what makes it different.
 */
import type { SyncReport } from '../../core/sync-report.js';

/** Deterministic 64-hex strings that look like SHA-256 hashes. */
export function hash(n: number): string {
  return n.toString(16).padStart(8, '0').repeat(8);
}

function base(overrides: Partial<SyncReport>): SyncReport {
  return {
    sync: 'vip_customers',
    mode: 'sync',
    status: 'succeeded',
    runId: undefined,
    fullResync: false,
    forced: false,
    startedAt: '2025-03-01T10:00:00.000Z',
    durationMs: 3_200,
    phases: { readMs: 2_000, diffMs: 700, pushMs: 500 },
    scanBytes: undefined,
    sourceRows: 0,
    columns: [],
    rejected: {},
    diff: { acknowledged: 0, current: 0, adds: 0, removes: 0, unchanged: 0 },
    samples: { adds: [], removes: [] },
    guardrail: { verdict: 'pass', reasons: [] },
    sent: { adds: 0, removes: 0, batches: 0 },
    pinterest: {
      adAccountId: '549755885175',
      customerListId: undefined,
      audienceId: undefined,
      list: undefined,
      audience: undefined,
      apiCalls: 0,
      retries: 0,
    },
    warnings: [],
    error: undefined,
    exitCode: 0,
    ...overrides,
  };
}

/** A plan with rejects whose removals trip the guardrail. */
export const blockedPlan: SyncReport = base({
  sync: 'lapsed_buyers',
  mode: 'plan',
  status: 'guardrail',
  durationMs: 1_250,
  sourceRows: 1_234_567,
  columns: [
    { column: 'email', type: 'email', hashed: 1_200_000, prehashed: 0, empty: 20_000, rejected: { invalid_email: 14_000 } },
    { column: 'gaid', type: 'maid', hashed: 500, prehashed: 12, empty: 40, rejected: { zero_device_id: 15 } },
  ],
  rejected: { invalid_email: 14_000, zero_device_id: 15 },
  diff: { acknowledged: 2_000_000, current: 1_150_000, adds: 50_000, removes: 900_000, unchanged: 1_100_000 },
  samples: { adds: [hash(1), hash(2), 'someone@example.com'], removes: [hash(3)] },
  guardrail: { verdict: 'blocked', reasons: ['Removes 900,000 of 2,000,000 acknowledged records (45.0%), above maxRemovePercent 20.'] },
  pinterest: {
    adAccountId: '549755885175',
    customerListId: '9876543210',
    audienceId: '2542620155112',
    list: undefined,
    audience: undefined,
    apiCalls: 0,
    retries: 0,
  },
  error: { code: 'PINSYNC_GUARDRAIL', message: 'Removes 900,000 of 2,000,000 acknowledged records (45.0%), above maxRemovePercent 20.' },
  exitCode: 3,
});

/** A successful sync, with Pinterest's list counters and audience read back. */
export const succeededSync: SyncReport = base({
  runId: 42,
  sourceRows: 10_500,
  columns: [{ column: 'email', type: 'email', hashed: 10_000, prehashed: 250, empty: 250, rejected: {} }],
  diff: { acknowledged: 9_500, current: 10_000, adds: 600, removes: 100, unchanged: 9_400 },
  samples: { adds: [hash(10)], removes: [hash(11)] },
  sent: { adds: 600, removes: 100, batches: 2 },
  pinterest: {
    adAccountId: '549755885175',
    customerListId: '1234567890',
    audienceId: '2542620155999',
    list: { id: '1234567890', name: 'VIP customers', status: 'READY', numUploadedUserRecords: 10_600, numRemovedUserRecords: 100, numBatches: 5 },
    audience: { id: '2542620155999', name: 'VIP customers', status: 'READY', size: 9_800, customerListId: '1234567890' },
    apiCalls: 5,
    retries: 1,
  },
  warnings: ['Audience is still INITIALIZING on Pinterest.'],
});

/** A run Pinterest refused. */
export const failedSync: SyncReport = base({
  sync: 'newsletter',
  runId: 43,
  status: 'failed',
  sourceRows: 300,
  columns: [{ column: 'email_hash', type: 'email_sha256', hashed: 0, prehashed: 300, empty: 0, rejected: {} }],
  diff: { acknowledged: 0, current: 300, adds: 300, removes: 0, unchanged: 0 },
  pinterest: {
    adAccountId: '549755885175',
    customerListId: undefined,
    audienceId: undefined,
    list: undefined,
    audience: undefined,
    apiCalls: 1,
    retries: 0,
  },
  error: { code: 'PINTEREST_403', message: 'Not authorized to access the ad account.\nrequest id abc123' },
  exitCode: 1,
});

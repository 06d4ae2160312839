import { describe, expect, it } from 'vitest';
import { renderRuns, type RunRow } from '../../cli/output/render-runs.js';

function run(overrides: Partial<RunRow>): RunRow {
  return {
    id: 1,
    syncName: 'vip_customers',
    status: 'succeeded',
    mode: 'sync',
    startedAt: new Date('2025-03-01T10:00:00.123Z'),
    finishedAt: new Date('2025-03-01T10:00:03.323Z'),
    durationMs: 3_200,
    sourceRows: 10_500,
    addsPlanned: 12_000,
    removesPlanned: 100,
    unchanged: 9_400,
    addsSent: 12_000,
    removesSent: 100,
    rejectedTotal: 1_500,
    apiCalls: 5,
    retries: 1,
    customerListId: '1234567890',
    audienceId: '2542620155999',
    listStatus: 'READY',
    listUploaded: 22_600,
    listRemoved: 100,
    audienceStatus: 'READY',
    audienceSize: 9_800,
    forced: false,
    fullResync: false,
    errorCode: null,
    errorMessage: null,
    ...overrides,
  };
}

const longError = `Pinterest refused the batch: ${'x'.repeat(200)}\nrequest id abc`;
const runs: RunRow[] = [
  run({}),
  run({
    id: 2,
    status: 'failed',
    startedAt: '2025-03-02T10:00:00Z',
    addsSent: 0,
    removesSent: 0,
    durationMs: null,
    finishedAt: null,
    customerListId: null,
    audienceId: null,
    listStatus: null,
    listUploaded: null,
    listRemoved: null,
    audienceStatus: null,
    audienceSize: null,
    errorCode: 'PINTEREST_400',
    errorMessage: longError,
  }),
];

describe('renderRuns', () => {
  it('prints a header and one line per run', () => {
    const lines = renderRuns(runs, 'table').trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^id\s+sync\s+started \(UTC\)/);
    expect(lines[1]).toContain('2025-03-01T10:00:00Z');
    expect(lines[1]).toContain('12,000/12,000');
    expect(lines[1]).toContain('1,500');
    expect(lines[1]).toContain('5 (1 retried)');
    expect(lines[1]).toContain('1234567890');
    expect(lines[1]).toContain('list READY +22,600/-100, audience READY 9,800');
    expect(lines[2]).toContain('failed');
    expect(lines[2]).toContain('PINTEREST_400: Pinterest refused the batch');
    expect(lines[2]).toContain('…');
    expect(lines[2]).not.toContain('request id abc');
  });

  it('aligns columns', () => {
    const lines = renderRuns(runs, 'table').split('\n');
    const col = (line: string | undefined): number => (line ?? '').indexOf('2025-03-0');
    expect(col(lines[1])).toBe(col(lines[2]));
    expect(col(lines[0]?.replace('started (UTC)', '2025-03-0'))).toBe(col(lines[1]));
  });

  it('says so when there are no runs', () => {
    expect(renderRuns([], 'table')).toBe('No runs recorded yet.\n');
  });

  it('gives full errors and ISO dates in JSON', () => {
    const doc = JSON.parse(renderRuns(runs, 'json')) as { version: number; runs: Array<Record<string, unknown>> };
    expect(doc.version).toBe(1);
    expect(doc.runs).toHaveLength(2);
    expect(doc.runs[0]?.startedAt).toBe('2025-03-01T10:00:00.123Z');
    expect(doc.runs[1]?.errorMessage).toBe(longError);
    expect(doc.runs[1]?.finishedAt).toBeNull();
  });
});

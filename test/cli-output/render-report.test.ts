import { describe, expect, it } from 'vitest';
import { renderReports } from '../../cli/output/render-report.js';
import { blockedPlan, failedSync, hash, succeededSync } from './report-fixtures.js';

const NOTHING_SENT = /nothing sent to Pinterest, nothing stored/;
// Any run of 20+ hex digits that is not exactly a 64-hex hash would be a truncated or raw-looking identifier.
const hexRuns = (text: string): string[] => text.match(/[0-9a-f]{20,}/g) ?? [];

describe('renderReports table', () => {
  const plan = renderReports([blockedPlan], 'table');

  it('shows the plan counts with thousands separators', () => {
    expect(plan).toContain('lapsed_buyers');
    expect(plan).toContain('PLAN');
    expect(plan).toContain('1,234,567');
    expect(plan).toContain('+50,000');
    expect(plan).toContain('-900,000');
    expect(plan).toContain('1,100,000');
    expect(plan).toMatch(/rejected\s+14,015\s+invalid_email 14,000, zero_device_id 15/);
    expect(plan).toMatch(/column gaid\s+maid: 500 hashed, 12 prehashed, 40 empty, 15 rejected \(zero_device_id 15\)/);
  });

  it('says a plan sent nothing and gives the guardrail reason once', () => {
    expect(plan).toMatch(NOTHING_SENT);
    expect(plan).toMatch(/guardrails\s+blocked/);
    expect(plan.match(/above maxRemovePercent 20/g)).toHaveLength(1);
  });

  it('prints only well-formed hashes as samples', () => {
    expect(plan).toContain(hash(1));
    expect(plan).not.toContain('someone@example.com');
    for (const run of hexRuns(plan)) expect(run).toHaveLength(64);
  });

  it('labels a dry run and keeps colour off unless asked', () => {
    expect(renderReports([blockedPlan], 'table', { dryRun: true })).toContain('DRY RUN');
    expect(plan).not.toContain('\u001b[');
    const coloured = renderReports([succeededSync], 'table', { color: true });
    expect(coloured).toContain('\u001b[32m+600\u001b[39m');
    expect(coloured).toContain('\u001b[31m-100\u001b[39m');
  });

  it('shows what a sync sent and what Pinterest reports back', () => {
    const out = renderReports([succeededSync], 'table');
    expect(out).toMatch(/vip_customers\s+·\s+SYNC\s+·\s+succeeded\s+·\s+3\.2 s\s+·\s+run #42/);
    expect(out).toMatch(/sent\s+600 adds, 100 removes in 2 batches/);
    expect(out).toContain('1234567890  READY, 10,600 uploaded, 100 removed');
    expect(out).toContain('2542620155999  READY, size 9,800');
    expect(out).toMatch(/api calls\s+5 \(1 retry\)/);
    expect(out).toContain('Audience is still INITIALIZING');
    expect(out).not.toMatch(NOTHING_SENT);
  });

  it('shows a failure on one line and a summary across syncs', () => {
    const out = renderReports([blockedPlan, succeededSync, failedSync], 'table');
    expect(out).toMatch(/PINTEREST_403: Not authorized to access the ad account\. request id abc123/);
    const summary = out.trimEnd().split('\n').find((l) => l.startsWith('Total'));
    expect(summary).toContain('3 syncs: 1 blocked by guardrail, 1 succeeded, 1 failed');
    expect(summary).toContain('exit code 1'); // a failure outranks a guardrail stop (cli/exit-codes.ts)
  });

  it('aligns the count column', () => {
    const rows = plan.split('\n').filter((l) => /^ {2}(source rows|adds|removes|unchanged) /.test(l));
    const ends = new Set(rows.map((l) => l.trimEnd().length));
    expect(rows).toHaveLength(4);
    expect(ends.size).toBe(1);
  });
});

describe('renderReports markdown', () => {
  const md = renderReports([blockedPlan, succeededSync, failedSync], 'markdown');

  it('has a summary table with one row per sync', () => {
    const lines = md.split('\n');
    const header = lines.indexOf('| sync | adds | removes | unchanged | rejected | guardrail |');
    expect(header).toBeGreaterThanOrEqual(0);
    expect(lines[header + 1]).toBe('|---|--:|--:|--:|--:|---|');
    const rows = lines.slice(header + 2, header + 5);
    for (const row of rows) expect(row.split('|').length - 2).toBe(6);
    expect(rows[0]).toBe('| `lapsed_buyers` (blocked by guardrail) | +50,000 | -900,000 | 1,100,000 | 14,015 | ⛔ blocked |');
    expect(rows[2]).toContain('`newsletter` (failed)');
    expect(md).toContain('Exit code: **1**');
  });

  it('has a section per sync with guardrail reasons, Pinterest counters and sample hashes in code spans', () => {
    expect(md).toContain('### `lapsed_buyers` · PLAN · blocked by guardrail');
    expect(md).toContain('- Removes 900,000 of 2,000,000 acknowledged records (45.0%), above maxRemovePercent 20.');
    expect(md).toMatch(NOTHING_SENT);
    expect(md).toContain(`\`${hash(1)}\``);
    expect(md).toContain('num_uploaded_user_records 10,600, num_removed_user_records 100');
    expect(md).toContain('**Error:** `PINTEREST_403` Not authorized');
    expect(md).not.toContain('someone@example.com');
    for (const run of hexRuns(md)) expect(run).toHaveLength(64);
  });

  it('puts each sync\'s verdict first, with the guardrail reasons under it and the change against the acknowledged membership', () => {
    const section = (name: string) => md.slice(md.indexOf(`### \`${name}\``)).split('\n').filter((l) => l !== '');
    expect(section('lapsed_buyers').slice(2, 4)).toEqual([
      '**⛔ Guardrail stop: a sync would send nothing.**',
      '- Removes 900,000 of 2,000,000 acknowledged records (45.0%), above maxRemovePercent 20.',
    ]);
    expect(section('vip_customers')[2]).toBe('**✅ Sent: added 600 and removed 100 records.**');
    // A failed run leads with its error, then the verdict.
    expect(section('newsletter').slice(2, 4)).toEqual(['**Error:** `PINTEREST_403` Not authorized to access the ad account. request id abc123', '**⛔ Failed, nothing sent.**']);
    expect(md).toContain('| change vs acknowledged | -850,000 (-42.5%) |');
    expect(md).toContain('| change vs acknowledged | +300 (new list) |');
    // Reasons are listed once, under the verdict, not again under a Guardrails line.
    expect(md.match(/above maxRemovePercent 20/g)).toHaveLength(1);
  });

  it('titles an all-plan report as a plan and says nothing was sent up front', () => {
    const planOnly = renderReports([blockedPlan], 'markdown');
    expect(planOnly.split('\n')[0]).toBe('## pinsync plan');
    expect(planOnly).toContain('> **Plan only — nothing sent to Pinterest, nothing stored.**');
  });
});

describe('renderReports json', () => {
  it('parses back with version, exitCode and every sync', () => {
    const now = new Date('2025-03-01T12:00:00.000Z');
    const doc = JSON.parse(renderReports([blockedPlan, succeededSync, failedSync], 'json', { now })) as Record<string, unknown>;
    expect(doc.version).toBe(1);
    expect(doc.generatedAt).toBe('2025-03-01T12:00:00.000Z');
    expect(doc.exitCode).toBe(1);
    const syncs = doc.syncs as Array<Record<string, unknown>>;
    expect(syncs.map((s) => s.sync)).toEqual(['lapsed_buyers', 'vip_customers', 'newsletter']);
    // Keys stay present as null rather than disappearing.
    expect(syncs[1]).toHaveProperty('error', null);
    expect((syncs[0]?.samples as { adds: string[] }).adds).toEqual([hash(1), hash(2)]);
  });

  it('is pretty-printed with two spaces and exit code 0 for no syncs', () => {
    const out = renderReports([], 'json');
    expect(out).toMatch(/^\{\n {2}"version": 1,/);
    expect(JSON.parse(out)).toMatchObject({ syncs: [], exitCode: 0 });
  });
});

describe('explicit actions and the list type in the table and Markdown reports', () => {
  const report = {
    ...succeededSync,
    actions: { column: 'action', addRows: 200, removeRows: 10, invalidRows: 13, addRecords: 190, removeRecords: 9, conflicts: 2, alreadyMembers: 40, notMembers: 3 },
    pinterest: { ...succeededSync.pinterest, listType: 'EMAIL', listTypeReason: 'emails are present' },
  };

  it('shows the rows by action, how they met the membership, and the list type chosen', () => {
    for (const format of ['table', 'markdown'] as const) {
      const out = renderReports([report], format);
      expect(out).toContain('column action: 200 add, 10 remove, 13 invalid rows; 40 already members, 3 not members, 2 asked both ways (removed)');
      expect(out).toContain('EMAIL (emails are present)');
    }
  });

  it('shows neither for a full-diff sync without a chosen list type', () => {
    const out = renderReports([succeededSync], 'table');
    expect(out).not.toContain('invalid rows');
    expect(out).not.toContain('list type');
  });
});

describe('explicit actions and the list type in the HTML report', () => {
  it('lists both among the facts, escaped', () => {
    const report = {
      ...succeededSync,
      actions: { column: 'act<ion>', addRows: 1, removeRows: 2, invalidRows: 3, addRecords: 1, removeRecords: 2, conflicts: 0, alreadyMembers: 0, notMembers: 0 },
      pinterest: { ...succeededSync.pinterest, listType: 'MAID', listTypeReason: 'only device ids' },
    };
    const html = renderReports([report], 'html');
    expect(html).toContain('<dt>explicit actions</dt><dd>column act&lt;ion&gt;: 1 add, 2 remove, 3 invalid rows;');
    expect(html).toContain('<dt>list type</dt><dd>MAID (only device ids)</dd>');
  });
});

/**
 * `pinsync runs --format html` end to end: real syncs against the emulator over HTTP record runs in a DuckDB state,
 * then the command writes the page from that state. The runs command is called with its parsed arguments (the
 * `--format html`, `--out` and `--since` options are declared in cli/pinsync.ts).
 */
import { stat, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type RunsCommandArgs, runsCommand } from '../../cli/commands/runs-command.js';
import { EXIT } from '../../core/errors.js';
import { makePeople, SyncFixture, TOKEN } from '../helpers/sync-fixture.js';

let fx: SyncFixture;

beforeEach(async () => {
  fx = await SyncFixture.create();
});

afterEach(async () => {
  await fx.close();
});

async function runs(args: Partial<RunsCommandArgs>, now?: Date): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on('data', (d: Buffer) => out.push(d));
  stderr.on('data', (d: Buffer) => err.push(d));
  const code = await runsCommand(
    { config: fx.configPath, sync: undefined, json: false, limit: 20, ...args },
    { stdout, stderr, env: { PINTEREST_ACCESS_TOKEN: TOKEN, PINSYNC_LOG_LEVEL: 'warn' }, cwd: fx.dir },
    now,
  );
  return { code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
}

/** The numbers table of the chart with this caption: one array of cell texts per row. */
function chartTable(html: string, caption: string): string[][] {
  const start = html.indexOf(`<figcaption>${caption}</figcaption>`);
  const table = html.slice(html.indexOf('<tbody>', start), html.indexOf('</tbody>', start));
  return [...table.matchAll(/<tr>(.*?)<\/tr>/g)].map((row) => [...row[1]!.matchAll(/<td[^>]*>([^<]*)<\/td>/g)].map((c) => c[1]!));
}

describe('pinsync runs --format html', () => {
  it('charts the runs recorded by real syncs and opens each run report', async () => {
    // A third of the list goes in the second run: past the default guardrail (20%).
    await fx.writeConfig({ maxRecords: 10, syncExtra: ['guardrails: { maxRemovePercent: 50 }'] });
    await fx.setPeople([...makePeople(1, 30), { email: 'not-an-email' }, { email: 'also@bad' }]);
    const sent: [number, number][] = [];
    const members: number[] = [];
    const sync = async (exitCode: number) => {
      const { code, report } = await fx.syncJson();
      expect(code).toBe(exitCode);
      sent.push([report.sent.adds, report.sent.removes]);
      members.push(fx.membership().size);
    };
    await sync(0);
    await fx.setPeople(makePeople(11, 30));
    await sync(0);
    // The third run's pushes are refused: it fails with what it planned unsent.
    await fx.setPeople(makePeople(11, 40));
    fx.emulator.faults.failNext({ status: 403, code: 29, message: 'You are not permitted to access that resource.', count: 100, match: { method: 'PATCH' } });
    await sync(1);
    fx.emulator.faults.clear();
    await sync(0);
    expect(sent[2]).toEqual([0, 0]);

    const res = await runs({ format: 'html', out: 'reports/runs.html' });
    expect(res).toMatchObject({ code: EXIT.ok, stdout: '' });
    expect(res.stderr).toContain('runs written to reports/runs.html');
    const file = join(fx.dir, 'reports/runs.html');
    // Reports carry list ids and error text: private to their owner, like every --out file.
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const html = await readFile(file, 'utf8');

    expect(html).toMatch(/every recorded run: 4 runs of 1 sync/);
    expect(html.match(/data-series="acknowledged after the run" data-points="4"/g)).toHaveLength(1);
    const membership = chartTable(html, 'Acknowledged membership');
    expect(membership.map((r) => r[1])).toEqual(members.map(String));
    // Pinterest's counters grew by exactly what each run sent (the emulator counts like Pinterest).
    const counters = chartTable(html, 'Pinterest&#39;s counters against what was sent');
    // The failed run read no counters (its row is empty); the next reading covers what was sent since the last one.
    expect(counters.map((r) => r.slice(1))).toEqual(sent.map(([adds, removes], i) => (i === 2 ? ['-', '-', '-', '-'] : [adds, adds, removes, removes].map(String))));
    expect(chartTable(html, 'Rejected values by reason').map((r) => r[1])).toEqual(['2', '0', '0', '0']);
    // The run list: newest first, the failed run with its error, each run's report inside its <details>.
    expect([...html.matchAll(/<details class="ps-run" data-run="(\d+)">/g)].map((m) => Number(m[1]))).toEqual([4, 3, 2, 1]);
    const failed = html.slice(html.indexOf('data-run="3"'), html.indexOf('</details>', html.indexOf('data-run="3"')));
    expect(failed).toContain('ps-st-bad">failed</span>');
    expect(failed).toMatch(/<pre>people_sync {2}· {2}SYNC {2}· {2}failed/);
    expect(failed).toMatch(/error\s+PINSYNC_PINTEREST\w*: /);
    expect(html).not.toMatch(/person\d+@example\.com/i);
  });

  it('--since keeps the recent runs, in every format', async () => {
    await fx.writeConfig();
    await fx.setPeople(makePeople(1, 5));
    expect((await fx.cli(['sync'])).code).toBe(0);
    expect((await fx.cli(['sync'])).code).toBe(0);

    const recent = await runs({ format: 'html', since: '1d' });
    expect(recent.code).toBe(0);
    expect(recent.stdout).toMatch(/runs started since \S+: 2 runs of 1 sync/);
    const future = await runs({ format: 'html', since: '2099-01-01' });
    expect(future.stdout).toContain('No runs recorded in that period.');
    const json = await runs({ json: true, since: '2099-01-01' });
    expect(JSON.parse(json.stdout)).toMatchObject({ runs: [] });
    // Seen from a day later, an hour back holds nothing.
    const later = await runs({ since: '1h' }, new Date(Date.now() + 86_400_000));
    expect(later.stdout).toBe('No runs recorded yet.\n\n');
  });

  it('refuses a --since it cannot read before opening the state, and an unknown sync', async () => {
    await fx.writeConfig();
    const bad = await runs({ format: 'html', since: 'last week' });
    expect(bad.code).toBe(EXIT.usage);
    expect(bad.stderr).toContain('--since must be an age like 90d, 12h or 30m, or a UTC date like 2026-10-01');
    const unknown = await runs({ format: 'html', sync: ['nope'] });
    expect(unknown.code).toBe(EXIT.usage);
  });
});

describe('pinsync runs through the command line', () => {
  it('takes --format html, --out and --since, and refuses an unreadable --since or an unknown format (exit 2)', async () => {
    await fx.writeConfig();
    await fx.setPeople(makePeople(1, 5));
    expect((await fx.cli(['sync'])).code).toBe(0);
    const res = await fx.cli(['runs', '--format', 'html', '--out', 'runs.html', '--since', '90d']);
    expect(res.code).toBe(0);
    expect(await readFile(join(fx.dir, 'runs.html'), 'utf8')).toMatch(/runs started since \S+: 1 run of 1 sync/);
    expect((await fx.cli(['runs', '--since', '2026-10-01', '--json'])).code).toBe(0);
    expect((await fx.cli(['runs', '--format', 'html', '--since', 'soon'])).code).toBe(EXIT.usage);
    expect((await fx.cli(['runs', '--format', 'pdf'])).code).toBe(EXIT.usage);
  });
});

/**
 * NO_COLOR (https://no-color.org): set to anything but the empty string, a terminal gets no colour in the report or
 * the logs; unset, it does. Runs `plan` in-process with stdout and stderr posing as a terminal.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../cli/pinsync.js';
import { makePeople, SyncFixture, TOKEN } from '../helpers/sync-fixture.js';
import { fakeStream } from './fake-stream.js';

const COLOUR = /\u001b\[[0-9;]*m/;

let fx: SyncFixture;

beforeEach(async () => {
  // CI would switch the progress display off; this test is about what a person at a terminal sees.
  vi.stubEnv('CI', '');
  fx = await SyncFixture.create();
  await fx.setPeople(makePeople(1, 20));
  await fx.writeConfig();
});

afterEach(async () => {
  vi.unstubAllEnvs();
  await fx.close();
});

async function planOnTerminal(env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = fakeStream(true);
  const stderr = fakeStream(true);
  const code = await main(['plan', '-c', fx.configPath], { stdout, stderr, env: { PINTEREST_ACCESS_TOKEN: TOKEN, PINSYNC_LOG_LEVEL: 'info', ...env }, cwd: fx.dir });
  return { code, stdout: stdout.written(), stderr: stderr.written() };
}

describe('NO_COLOR', () => {
  it('keeps colour out of the report and the logs on a terminal', async () => {
    const res = await planOnTerminal({ NO_COLOR: '1' });
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/people_sync\s+·\s+PLAN/);
    expect(res.stdout).not.toMatch(COLOUR);
    expect(res.stderr).toContain('reading the warehouse');
    expect(res.stderr).not.toMatch(COLOUR);
    // DuckDB reads by pushdown and counts no rows on the way: the line left behind is the elapsed time, not a 0.
    expect(res.stderr).toMatch(/people_sync: reading, took \d+ ms/);
    expect(res.stderr).not.toMatch(/reading \S* ?0 \|/);
  });

  it('an empty NO_COLOR is unset: a terminal gets colour', async () => {
    const res = await planOnTerminal({ NO_COLOR: '' });
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(COLOUR);
    expect(res.stderr).toMatch(COLOUR);
  });
});

/**
 * `npm run demo` as a user runs it: piped into a file or a pager it prints no escape codes at all; in a terminal it
 * is coloured unless NO_COLOR is set (https://no-color.org).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { REPO_ROOT, TSX_LOADER } from '../helpers/sync-fixture.js';

const DEMO = join(REPO_ROOT, 'demo/run-demo.ts');
/** util-linux `script` gives the demo a pseudo-terminal for stdout and stderr, as an interactive shell would. */
const HAS_SCRIPT = spawnSync('script', ['--version']).status === 0;
const ESCAPE = /\u001b\[/;
const COLOUR = /\u001b\[[0-9;]*m/;

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pinsync-demo-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs the demo; `terminal` wraps it in a pseudo-terminal. Resolves with the exit code and everything it printed. */
function runDemo(env: Record<string, string>, terminal: boolean): Promise<{ code: number | null; out: string; err: string }> {
  const demoEnv = { ...process.env, PINSYNC_DEMO_CUSTOMERS: '300', PINSYNC_DEMO_DIR: dir, PINSYNC_LOG_LEVEL: 'warn', NO_COLOR: '', CI: '', ...env };
  const command = [process.execPath, '--import', TSX_LOADER, DEMO];
  const child = terminal
    ? spawn('script', ['-qec', command.join(' '), '/dev/null'], { env: demoEnv, stdio: ['ignore', 'pipe', 'pipe'] })
    : spawn(command[0]!, command.slice(1), { env: demoEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, out, err })));
}

describe('npm run demo', () => {
  it('prints no escape codes when stdout and stderr are pipes', async () => {
    const res = await runDemo({}, false);
    expect(res.err).toBe('');
    expect(res.code).toBe(0);
    expect(res.out).toContain('== first sync: creates the customer list and its audience ==');
    expect(res.out).toMatch(/subscribers\s+·\s+SYNC\s+·\s+succeeded/);
    expect(res.out).not.toMatch(ESCAPE);
  }, 120_000);

  it.skipIf(!HAS_SCRIPT)('prints no colour in a terminal when NO_COLOR is set, and colour when it is not', async () => {
    const plain = await runDemo({ NO_COLOR: '1' }, true);
    expect(plain.code).toBe(0);
    expect(plain.out).toMatch(/subscribers\s+·\s+SYNC\s+·\s+succeeded/);
    expect(plain.out).not.toMatch(COLOUR);

    const coloured = await runDemo({}, true);
    expect(coloured.code).toBe(0);
    expect(coloured.out).toMatch(COLOUR);
  }, 180_000);
});

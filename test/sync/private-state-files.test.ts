/**
 * The state file holds refreshed OAuth tokens and hashes, and so do DuckDB's WAL and spill files beside it. Every
 * file and folder pinsync creates for its state is private to its owner (files 0600, folders 0700) whatever the
 * umask and wherever the state lives; folders that already existed keep their mode. The real CLI runs in a child
 * process under the umask, refreshes an expired token, is killed mid-push (the WAL then holds the new tokens), and
 * is run again to the end.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmod, lstat, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makePeople, REPO_ROOT, TOKEN, TSX_LOADER, useSyncFixture } from '../helpers/sync-fixture.js';

const fx = useSyncFixture();

/** Every path under `dir` with its permission bits, relative to `dir`. */
async function modes(dir: string): Promise<Map<string, { mode: number; isDir: boolean }>> {
  const out = new Map<string, { mode: number; isDir: boolean }>();
  const walk = async (d: string): Promise<void> => {
    for (const name of await readdir(d)) {
      const p = join(d, name);
      const st = await lstat(p);
      out.set(relative(dir, p), { mode: st.mode & 0o777, isDir: st.isDirectory() });
      if (st.isDirectory()) await walk(p);
    }
  };
  await walk(dir);
  return out;
}

function syncUnderUmask(umask: string) {
  const child = spawn(
    'sh',
    ['-c', `umask ${umask} && exec "$0" "$@"`, process.execPath, '--import', TSX_LOADER, join(REPO_ROOT, 'cli/pinsync.ts'), 'sync', '-c', fx().configPath],
    { cwd: fx().dir, env: { ...process.env, PINTEREST_ACCESS_TOKEN: TOKEN, PINSYNC_LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = once(child, 'exit').then(([code]) => ({ code: code as number | null, stderr }));
  return { child, exited, stderr: () => stderr };
}

/** Files pinsync created (anything not there before) must be 0600 or 0700; folders that were there keep their mode. */
function expectPrivate(before: Map<string, { mode: number; isDir: boolean }>, after: Map<string, { mode: number; isDir: boolean }>, when: string): void {
  const leaks: string[] = [];
  for (const [path, { mode, isDir }] of after) {
    const previous = before.get(path);
    if (previous) {
      if (previous.isDir && previous.mode !== mode) leaks.push(`${path}: an existing folder was changed from ${previous.mode.toString(8)} to ${mode.toString(8)}`);
      continue;
    }
    if ((mode & 0o077) !== 0) leaks.push(`${path} (${isDir ? 'folder' : 'file'}) is ${mode.toString(8)}`);
  }
  expect(leaks, when).toEqual([]);
}

const LAYOUTS = [
  { where: 'a new nested folder', state: '.pinsync/deep/state.duckdb', existing: [] as string[] },
  { where: 'the config folder itself', state: 'state.duckdb', existing: [] as string[] },
  { where: 'an existing 0755 folder', state: 'shared/state.duckdb', existing: ['shared'] },
];

describe.each(['000', '022'])('under umask %s', (umask) => {
  it.each(umask === '000' ? LAYOUTS : LAYOUTS.slice(0, 1))('state in $where: WAL, spill folder and state are private, after a refresh and a kill', async ({ state, existing }) => {
    // A project folder as people have them: readable by others.
    await chmod(fx().dir, 0o755);
    for (const folder of existing) {
      await mkdir(join(fx().dir, folder));
      await chmod(join(fx().dir, folder), 0o755);
    }
    await fx().setPeople(makePeople(1, 1_500));
    const { clientId, clientSecret, refreshToken } = fx().emulator.oauth;
    await fx().writeConfig({
      maxRecords: 100,
      auth: `{ accessToken: "\${PINTEREST_ACCESS_TOKEN}", refreshToken: "${refreshToken}", clientId: "${clientId}", clientSecret: "${clientSecret}" }`,
    });
    const config = await readFile(fx().configPath, 'utf8');
    await writeFile(fx().configPath, config.replace('state: duckdb:state.duckdb', `state: duckdb:${state}`));
    const before = await modes(fx().dir);
    before.set('', { mode: 0o755, isDir: true });

    // The config's access token has expired: the first write refreshes it, and the rotated tokens are stored.
    expect(fx().emulator.expireAccessToken(TOKEN)).toBe(1);
    fx().emulator.faults.latency(40);
    const first = syncUnderUmask(umask);
    const deadline = Date.now() + 30_000;
    while (fx().emulator.requests.filter((r) => r.method === 'PATCH' && r.status === 200).length < 3) {
      if (first.child.exitCode !== null) throw new Error(`the sync ended before it could be killed: ${first.stderr()}`);
      if (Date.now() > deadline) throw new Error(`timed out waiting for writes: ${first.stderr()}`);
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(fx().emulator.requests.filter((r) => r.path === '/v5/oauth/token' && r.status === 200)).toHaveLength(1);
    const during = await modes(fx().dir);
    first.child.kill('SIGKILL');
    await first.exited;
    fx().emulator.faults.clear();
    // the killed run left its WAL (with the refreshed tokens) behind: that is the file that must not be readable
    expect([...during.keys()].some((p) => p.endsWith('state.duckdb.wal'))).toBe(true);
    expectPrivate(before, during, 'while the sync ran');
    expectPrivate(before, await modes(fx().dir), 'after kill -9');

    const second = await syncUnderUmask(umask).exited;
    expect(second.code, second.stderr).toBe(0);
    expectPrivate(before, await modes(fx().dir), 'after a full run');
  });
});

/**
 * A runner on "another machine" (a child process) holds a sync's lock on shared Postgres state: this one is refused
 * naming it, and once it is killed with SIGKILL (no cleanup of any kind), the lock is free for the next runner.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { escapeIdentifier } from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { PostgresStateStore } from '../../connectors/state/postgres/postgres-state-store.js';
import { TokenCipher } from '../../connectors/state/token-cipher.js';
import { PinsyncError } from '../../core/errors.js';
import { REPO_ROOT, TSX_LOADER } from '../helpers/sync-fixture.js';
import { pgAdmin } from '../warehouses/postgres-target.js';
import { freshSchema, stateUrl } from './postgres-state-target.js';

const schema = freshSchema();

afterEach(async () => {
  const admin = await pgAdmin();
  await admin.query(`DROP SCHEMA IF EXISTS ${escapeIdentifier(schema)} CASCADE`);
  await admin.end();
});

const HOLDER = `
import { PostgresStateStore } from ${JSON.stringify(join(REPO_ROOT, 'connectors/state/postgres/postgres-state-store.ts'))};
const store = await PostgresStateStore.open(process.env.STATE_URL);
const lock = await store.acquireLock('vip', { pid: process.pid, host: 'other-machine', runId: null });
const run = await store.startRun('vip', new Date());
await lock.setRun(run);
process.stdout.write('locked ' + run + '\\n');
setInterval(() => void [store, lock], 1000);
`;

describe('a crashed runner on shared state', () => {
  it('is named while it lives and never locks the next runner out once killed', async () => {
    const url = stateUrl(schema);
    const child = spawn(process.execPath, ['--import', TSX_LOADER, '--input-type=module', '-e', HOLDER], {
      env: { ...process.env, STATE_URL: url },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise((resolve) => child.once('exit', resolve));
    const runId = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /locked (\d+)/.exec(out);
        if (m) resolve(m[1]!);
      });
      child.once('exit', () => reject(new Error(`holder exited early: ${stderr}`)));
    });

    const store = (await PostgresStateStore.open(url, { cipher: TokenCipher.fromEnv('') }))!;
    try {
      const err = (await store.acquireLock('vip', { pid: process.pid, host: 'this-machine', runId: null }).catch((e: unknown) => e)) as PinsyncError;
      expect(err.code).toBe('PINSYNC_LOCKED');
      expect(err.message).toContain(`run ${runId}, pid ${child.pid} on other-machine`);
      expect((await store.listRuns({}))[0]).toMatchObject({ status: 'running', holderGone: false });

      child.kill('SIGKILL');
      await exited;
      // The server notices the closed socket at once; allow it a moment to end the backend.
      let lock;
      for (let i = 0; i < 100 && !lock; i++) {
        lock = await store.acquireLock('vip', { pid: process.pid, host: 'this-machine', runId: null }).catch(async () => {
          await new Promise((resolve) => setTimeout(resolve, 20));
          return undefined;
        });
      }
      expect(lock).toBeDefined();
      const run = await store.startRun('vip', new Date());
      await lock!.setRun(run);
      const [latest, killed] = await store.listRuns({});
      expect(latest).toMatchObject({ id: run, status: 'running', holderGone: false });
      expect(killed).toMatchObject({ id: Number(runId), status: 'interrupted' });
      await lock!.release();
    } finally {
      child.kill('SIGKILL');
      await store.close();
    }
  });
});

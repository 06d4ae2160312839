/**
 * Builds the image from the Dockerfile and runs pinsync in it. Opt-in, because it takes minutes (two `npm ci` over
 * the network) and needs a container tool and the `node:20-slim` base image:
 *
 *   PINSYNC_TEST_IMAGE=podman npx vitest run test/container/image-build.test.ts     (or =docker)
 *
 * PINSYNC_TEST_IMAGE_ARGS adds arguments to every build/run call (e.g. `--runtime /usr/sbin/runc` where podman's
 * default runtime cannot run). The build never pulls: the base image must already be present.
 */
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/sync-fixture.js';

const run = promisify(execFile);
const tool = process.env.PINSYNC_TEST_IMAGE;
const extra = (process.env.PINSYNC_TEST_IMAGE_ARGS ?? '').split(' ').filter((a) => a !== '');
const TAG = `localhost/pinsync-test:${process.pid}`;

const CONFIG = [
  'warehouses:',
  '  local: { type: duckdb, path: ":memory:" }',
  'destinations:',
  '  pinterest: { type: pinterest, adAccountId: "549755885175", apiBaseUrl: "http://127.0.0.1:9/v5", auth: { accessToken: "${PINTEREST_ACCESS_TOKEN}" } }',
  'syncs:',
  '  - name: image_probe',
  '    warehouse: local',
  '    destination: pinterest',
  "    query: select 'a@example.com' as email union all select 'b@example.com'",
  '    identifiers: { email: email }',
  '    audience: { name: Image probe }',
  '',
].join('\n');

function container(args: string[], stdin = ''): Promise<{ code: number | null; stdout: string; stderr: string }> {
  // --network none: nothing in these runs may reach anything (plan calls no API).
  const child = spawn(tool!, ['run', '--rm', '-i', '--network', 'none', ...extra, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdin.end(stdin);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe.skipIf(tool === undefined)('the image built from the Dockerfile', () => {
  beforeAll(async () => {
    await run(tool!, ['build', ...extra, '--pull=never', '-t', TAG, '.'], { cwd: REPO_ROOT, maxBuffer: 64 * 1024 * 1024 });
  }, 900_000);

  afterAll(async () => {
    await run(tool!, ['rmi', '-f', TAG]).catch(() => undefined);
  });

  it('runs pinsync --help as its entrypoint', async () => {
    const res = await container([TAG, '--help']);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('pinsync <command> [options]');
  });

  it('runs as a non-root user, in /config', async () => {
    const res = await container(['--entrypoint', 'sh', TAG, '-c', 'id -u; id -g; pwd']);
    expect(res.stdout.trim().split('\n')).toEqual(['10001', '10001', '/config']);
  });

  it('holds no dev dependencies', async () => {
    const res = await container(['--entrypoint', 'sh', TAG, '-c', 'ls /app/node_modules; ls /app/node_modules/.bin 2>/dev/null']);
    expect(res.stdout).toContain('kysely');
    for (const dev of ['typescript', 'vitest', 'tsx', 'fast-check', '@stryker-mutator']) expect(res.stdout.split('\n')).not.toContain(dev);
  });

  it('plans a sync from a config on stdin (reads /app/sql), offline', async () => {
    const res = await container([TAG, 'plan', '--format', 'json', '-c', '-'], CONFIG);
    expect(res.code).toBe(0);
    expect(JSON.parse(res.stdout).syncs[0]).toMatchObject({ sync: 'image_probe', diff: { adds: 2, removes: 0 } });
  });
});

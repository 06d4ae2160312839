/**
 * `--out FILE`: the report holds hashes, so it is written owner-only whatever the umask; a missing folder is created
 * before the sync runs, and a path that cannot be written is refused before anything is read or sent.
 */
import { existsSync } from 'node:fs';
import { chmod, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SyncReport } from '../../core/sync-report.js';
import { makePeople, SyncFixture } from '../helpers/sync-fixture.js';

let fx: SyncFixture;
let umask: number;

beforeEach(async () => {
  fx = await SyncFixture.create();
  await fx.setPeople(makePeople(1, 20));
  await fx.writeConfig();
  // The most permissive umask there is: any mode pinsync does not set itself would show up as group/world bits.
  umask = process.umask(0);
});

afterEach(async () => {
  process.umask(umask);
  await fx.close();
});

const mode = async (path: string) => (await stat(path)).mode & 0o777;

describe('sync --out', () => {
  it('creates a missing folder (0700) before the sync and writes the report there owner-only (0600)', async () => {
    const res = await fx.cli(['sync', '--json', '--out', 'reports/daily/report.json']);
    expect(res.stderr).not.toMatch(/error/i);
    expect(res.code).toBe(0);
    const file = join(fx.dir, 'reports/daily/report.json');
    const report = (JSON.parse(await readFile(file, 'utf8')) as { syncs: SyncReport[] }).syncs[0]!;
    expect(report.status).toBe('succeeded');
    expect(report.sent.adds).toBeGreaterThan(0);
    expect(await mode(file)).toBe(0o600);
    expect(await mode(join(fx.dir, 'reports'))).toBe(0o700);
    expect(await mode(join(fx.dir, 'reports/daily'))).toBe(0o700);
  });

  it('makes an existing, world-readable report file owner-only before writing hashes into it', async () => {
    const file = join(fx.dir, 'report.md');
    await writeFile(file, 'old report\n');
    await chmod(file, 0o644);
    const res = await fx.cli(['plan', '--format', 'markdown', '--out', 'report.md']);
    expect(res.code).toBe(0);
    expect(await readFile(file, 'utf8')).toContain('people_sync');
    expect(await mode(file)).toBe(0o600);
  });

  it('refuses a path it cannot write before reading, sending or storing anything', async () => {
    // A folder cannot be created under a file.
    const res = await fx.cli(['sync', '--out', 'pinsync.yaml/report.txt']);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/--out pinsync\.yaml\/report\.txt/);
    expect(res.stderr).toMatch(/PINSYNC_REPORT_OUT/);
    expect(fx.emulator.requests).toEqual([]);
    expect(existsSync(fx.statePath)).toBe(false);
  });

  it('refuses a folder as the report file', async () => {
    const res = await fx.cli(['sync', '--out', '.']);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/is a folder/);
    expect(fx.emulator.requests).toEqual([]);
  });
});

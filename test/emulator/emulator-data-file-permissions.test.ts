/** The emulator's `--data` file holds its live access and refresh tokens: owner-only, whatever the umask. */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator } from '../../emulators/pinterest/emulator-server.js';
import { createList, hexRecords } from './helpers/emulator-http.js';

let dir: string;
let umask: number;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pinsync-emulator-perm-'));
  // The most permissive umask there is: any mode the emulator does not set itself shows up as group/world bits.
  umask = process.umask(0);
});

afterEach(async () => {
  process.umask(umask);
  await rm(dir, { recursive: true, force: true });
});

describe('emulator data file', () => {
  it('is written 0600 under umask 000, and stays so across saves', async () => {
    const dataFile = join(dir, 'emulator.json');
    const emu = await startEmulator({ dataFile, persistDebounceMs: 5 });
    await createList(emu, 'one', hexRecords(3));
    await emu.close();
    expect((await stat(dataFile)).mode & 0o777).toBe(0o600);
    const again = await startEmulator({ dataFile, persistDebounceMs: 5 });
    await createList(again, 'two', hexRecords(3));
    await again.close();
    expect((await stat(dataFile)).mode & 0o777).toBe(0o600);
  });
});

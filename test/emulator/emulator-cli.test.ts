/**
 * `runEmulatorFromCli`: prints one line with the base URL and token, serves until a signal, then closes and
 * leaves a complete state file.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { runEmulatorFromCli } from '../../connectors/pinterest/emulator/run-emulator-cli.js';
import type { RunningEmulator } from '../../connectors/pinterest/emulator/running-emulator.js';
import { call, createList } from './helpers/emulator-http.js';

function sink(): { text: string; write(t: string): void } {
  return {
    text: '',
    write(t: string) {
      this.text += t;
    },
  };
}

describe('runEmulatorFromCli', () => {
  it('prints the base URL and token, serves, and stops cleanly on SIGTERM with the state saved', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pinsync-emulator-cli-'));
    const dataFile = join(dir, 'state.json');
    const stdout = sink();
    const stderr = sink();
    let ready: (em: RunningEmulator) => void = () => {};
    const started = new Promise<RunningEmulator>((resolve) => (ready = resolve));
    try {
      const running = runEmulatorFromCli({ port: 0, dataFile, stdout, stderr, onReady: ready });
      const em = await started;
      expect(stdout.text).toBe(
        `Pinterest API emulator listening on ${em.baseUrl} (access token: pinsync-emulator-token, ad account: 549755885175, state in ${dataFile})\n`,
      );
      const list = await createList(em, 'cli', ['a', 'b']);
      expect((await call(em, 'GET', `/ad_accounts/549755885175/customer_lists/${list.id}`)).status).toBe(200);

      process.emit('SIGTERM');
      expect(await running).toBe(0);
      expect(process.listenerCount('SIGTERM')).toBe(0);
      await expect(fetch(`${em.baseUrl}/ad_accounts`)).rejects.toThrow();
      const saved = JSON.parse(await readFile(dataFile, 'utf8'));
      expect(saved.lists).toHaveLength(1);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('stops when its AbortSignal aborts', async () => {
    const controller = new AbortController();
    const stdout = sink();
    const running = runEmulatorFromCli({ stdout, stderr: sink(), signal: controller.signal, tokens: ['t1'], adAccounts: [{ id: '42' }] });
    await new Promise((r) => setTimeout(r, 50));
    expect(stdout.text).toMatch(/^Pinterest API emulator listening on http:\/\/127\.0\.0\.1:\d+\/v5 \(access token: t1, ad account: 42\)\n$/);
    controller.abort();
    expect(await running).toBe(0);
  });
});

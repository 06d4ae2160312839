/** One emulator per test: `start(opts)` inside a test, closed after it whatever the outcome. */
import { afterEach } from 'vitest';
import type { EmulatorOptions } from '../../../emulators/pinterest/emulator-options.js';
import { startEmulator } from '../../../emulators/pinterest/emulator-server.js';
import type { RunningEmulator } from '../../../emulators/pinterest/running-emulator.js';

export function useEmulator(): (opts?: EmulatorOptions) => Promise<RunningEmulator> {
  let em: RunningEmulator | undefined;
  afterEach(async () => {
    await em?.close();
    em = undefined;
  });
  return async (opts: EmulatorOptions = {}) => {
    em = await startEmulator(opts);
    return em;
  };
}

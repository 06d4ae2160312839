/** One emulator per test: `start(opts)` inside a test, closed after it whatever the outcome. */
import { afterEach } from 'vitest';
import type { EmulatorOptions } from '../../../connectors/pinterest/emulator/emulator-options.js';
import { startEmulator } from '../../../connectors/pinterest/emulator/emulator-server.js';
import type { RunningEmulator } from '../../../connectors/pinterest/emulator/running-emulator.js';

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

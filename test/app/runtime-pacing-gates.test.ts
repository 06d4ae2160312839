/**
 * connectors/runtime/create-runtime.ts: the destinations of one runtime wait at one pacing gate per credentials
 * (syncs of one `pinsync schedule` share the ad account's budget), and two runtimes never share a gate. Real
 * clients against the emulator over loopback HTTP; the gates' own request counts say who waited where.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LoadedConfig } from '../../core/config/load-config.js';
import { silentLogger } from '../../core/logger.js';
import { createRuntime, type PinsyncRuntime } from '../../connectors/runtime/create-runtime.js';
import { pacingIdentity } from '../../connectors/pinterest/pacing/pinterest-pacing-registry.js';
import { startEmulator, type RunningEmulator } from '../../emulators/pinterest/index.js';
import { minimalConfig, parse } from '../config/config-fixtures.js';
import { InMemoryStateStore } from '../fakes/in-memory-state-store.js';

let emu: RunningEmulator;
let config: LoadedConfig;

beforeEach(async () => {
  emu = await startEmulator();
  const c = minimalConfig();
  c.destinations.pinterest = { type: 'pinterest', adAccountId: emu.adAccountId, apiBaseUrl: emu.baseUrl, auth: { accessToken: 'pinsync-emulator-token' } };
  // A second destination name on the same credentials: still one quota.
  c.destinations.other = { ...c.destinations.pinterest };
  c.syncs[0].destination = 'pinterest';
  config = parse(c);
});

afterEach(async () => {
  await emu.close();
});

/** The gate `runtime` holds for the config's credentials (looking it up never creates a different one). */
function gateOf(runtime: PinsyncRuntime) {
  const d = config.destinations.pinterest!;
  return runtime.pacing.gateFor({ apiBaseUrl: d.apiBaseUrl, identity: pacingIdentity(d.auth) }, d.rateLimits);
}

/** One read through a destination `runtime` creates for `name`. */
async function readOnce(runtime: PinsyncRuntime, name: string): Promise<void> {
  const destination = runtime.createDestination(config, name, { state: new InMemoryStateStore(), logger: silentLogger, configLabel: 'pinsync.yaml' });
  try {
    await destination.listCustomerLists();
  } finally {
    await destination.close();
  }
}

describe('createRuntime pacing gates', () => {
  it('one runtime: every destination on the same credentials waits at one gate', async () => {
    const runtime = createRuntime();
    await readOnce(runtime, 'pinterest');
    await readOnce(runtime, 'other');
    await readOnce(runtime, 'pinterest');
    expect(gateOf(runtime).admitted('ads_read')).toBe(3);
  });

  it('two runtimes never share a gate', async () => {
    const a = createRuntime();
    const b = createRuntime();
    await readOnce(a, 'pinterest');
    await readOnce(b, 'pinterest');
    await readOnce(b, 'pinterest');
    expect(gateOf(a)).not.toBe(gateOf(b));
    expect(gateOf(a).admitted('ads_read')).toBe(1);
    expect(gateOf(b).admitted('ads_read')).toBe(2);
  });
});

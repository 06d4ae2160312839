/**
 * What crosses the network in `diff: warehouse` mode, measured on the wire: a TCP proxy between pinsync and
 * Postgres keeps every byte the server sent. No raw identifier ever arrives; in a churn sync no unchanged member's
 * hash arrives in any form (raw, hex or base64 at any alignment), and the bytes received stay within twice the
 * changed hashes' 32 bytes plus a constant. The same churn in `diff: state` mode receives every row, for contrast.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { expectedHashes, makePeople } from '../../helpers/sync-fixture.js';
import { pgTestUrl } from '../postgres-target.js';
import { type ByteCountingProxy, startByteCountingProxy } from './byte-counting-proxy.js';
import { usePlannerFixture } from './planner-fixture.js';

const pf = usePlannerFixture();
let proxy: ByteCountingProxy | undefined;

afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
});

/** Every form a digest could take in the received bytes. */
function forms(hex: string): Buffer[] {
  const raw = Buffer.from(hex, 'hex');
  const out = [raw, Buffer.from(hex), Buffer.from(hex.toUpperCase())];
  // Inside a longer base64 text, a digest's bytes are encoded aligned from one of its first three bytes on.
  for (let k = 0; k < 3; k++) out.push(Buffer.from(raw.subarray(k, k + 27).toString('base64')));
  return out;
}

describe('diff: warehouse on the wire', { timeout: 90_000 }, () => {
  it('no raw identifier and no unchanged hash reaches pinsync; bytes stay within 2x the changed hashes plus a constant', async () => {
    const { fx, setPeople, writeConfig } = pf();
    proxy = await startByteCountingProxy(pgTestUrl());
    const people = makePeople(1, 2_000);
    await setPeople(people);
    await writeConfig({ url: proxy.url });

    const first = await fx.syncJson();
    expect(first.code, first.stderr).toBe(0);
    const firstBytes = proxy.received();
    for (const p of people.slice(0, 200)) {
      expect(firstBytes.includes(Buffer.from(p.email!)), 'a raw email crossed').toBe(false);
      expect(firstBytes.includes(Buffer.from(p.email!.toLowerCase())), 'a normalized email crossed').toBe(false);
    }

    // 1% churn
    const churned = [...people.slice(20), ...makePeople(10_000, 20)];
    await setPeople(churned);
    proxy.reset();
    const churn = await fx.syncJson();
    expect(churn.code, churn.stderr).toBe(0);
    const bytes = proxy.received();
    const before = expectedHashes(people);
    const after = expectedHashes(churned);
    const unchanged = [...after].filter((h) => before.has(h));
    const changed = after.size + before.size - 2 * unchanged.length;
    expect(churn.report.diff.adds + churn.report.diff.removes).toBe(changed);
    for (const h of unchanged) {
      for (const form of forms(h)) expect(bytes.includes(form), `unchanged hash ${h.slice(0, 8)} crossed`).toBe(false);
    }
    for (const p of churned.slice(-20)) expect(bytes.includes(Buffer.from(p.email!.toLowerCase()))).toBe(false);
    // Sanity of the method: a changed hash did cross (base64, aligned somewhere).
    const added = [...after].find((h) => !before.has(h))!;
    expect(forms(added).some((f) => bytes.includes(f))).toBe(true);
    // The constant: the answers to the session's own statements (probes, counts, per-column stats) and the protocol.
    const CONSTANT = 16 * 1024;
    expect(bytes.length).toBeLessThanOrEqual(2 * changed * 32 + CONSTANT);

    // The same churn again, in diff: state mode, for contrast (it streams every row out of the warehouse).
    await writeConfig({ url: proxy.url, diff: 'state' });
    proxy.reset();
    const state = await fx.syncJson(['plan']);
    expect(state.code, state.stderr).toBe(0);
    const stateBytes = proxy.received();
    expect(stateBytes.includes(Buffer.from(churned[0]!.email!))).toBe(true);
    expect(stateBytes.length).toBeGreaterThan(10 * bytes.length);
  });
});

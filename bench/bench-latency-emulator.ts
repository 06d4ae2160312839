/**
 * The emulator in a process of its own for the push benches (bench/bench-push-latency.ts, bench/bench-mass-removal.ts),
 * so its CPU and memory are not pinsync's. Argument: one JSON object ({@link LatencyEmulatorOptions}).
 *
 * Before it says where it listens it spends its own `ads_write` bucket down to `headroom` requests, unpaced and with
 * no latency yet, as if a previous run had just used the quota: a fresh emulator's bucket holds a whole minute of
 * writes, which would hide over-pacing for the first minute of the measured run. Then latency starts.
 *
 * Protocol: prints one JSON line `{ baseUrl, headroom }`; then answers each stdin line `stats` with one JSON line of
 * {@link LatencyEmulatorStats} and `clear` (forget the requests seen so far) with `{}`. Stops on SIGTERM or stdin end.
 */
import { createInterface } from 'node:readline';
import { request } from 'undici';
import { startEmulator } from '../emulators/pinterest/emulator-server.js';
import type { RunningEmulator } from '../emulators/pinterest/running-emulator.js';

/** How the bench wants the emulator. */
export interface LatencyEmulatorOptions {
  /** Milliseconds every request waits before it is handled (0: none). */
  latencyMs: number;
  /** `ads_write` requests per minute the emulator enforces (429 beyond); 0: no limit. */
  adsWritePerMinute: number;
  /** Requests left in the `ads_write` bucket when the measured run starts (ignored without a limit). */
  headroom: number;
}

/** What the emulator saw since the last `clear`. */
export interface LatencyEmulatorStats {
  /** Writes (POST/PATCH) answered 2xx. */
  writes: number;
  /** Records in those writes. */
  writeRecords: number;
  /** Reads (GET) answered 2xx. */
  reads: number;
  /** Answers 429 (any category). */
  rateLimited: number;
  /** Other error answers and dropped connections. */
  errors: number;
  /** Arrival time (epoch ms) of the first 2xx write; null without one. */
  firstWriteAt: number | null;
  /** Answer time (epoch ms) of the last 2xx write; null without one. */
  lastWriteAt: number | null;
  /** Mean arrival-to-answer time of the 2xx writes, latency included. */
  meanWriteMs: number;
  /** The emulator process's CPU (user + system) since it started, in ms. */
  cpuMs: number;
  /** The emulator process's peak RSS in MB. */
  maxRssMb: number;
}

const RECORD = 'e'.repeat(64);

/** Sends unpaced writes until the emulator's ads_write bucket holds at most `headroom`; returns what remains. */
export async function drainWriteBucket(emu: RunningEmulator, headroom: number): Promise<number> {
  const headers = { authorization: `Bearer ${emu.token}`, 'content-type': 'application/json' };
  const listsUrl = `${emu.baseUrl}/ad_accounts/${emu.adAccountId}/customer_lists`;
  const created = await request(listsUrl, { method: 'POST', headers, body: JSON.stringify({ name: 'bench-drain', records: RECORD, list_type: 'EMAIL' }) });
  const list = (await created.body.json()) as { id?: string };
  if (created.statusCode !== 200 || list.id === undefined) throw new Error(`emulator: cannot create the drain list (HTTP ${created.statusCode})`);
  const body = JSON.stringify({ operation_type: 'ADD', records: RECORD });
  for (;;) {
    const res = await request(`${listsUrl}/${list.id}`, { method: 'PATCH', headers, body });
    await res.body.text();
    if (res.statusCode === 429) return 0;
    const remaining = Number(res.headers['x-ratelimit-remaining']);
    if (!Number.isFinite(remaining)) throw new Error('the emulator sent no X-RateLimit-Remaining; is its rate limiter on?');
    if (remaining <= headroom) return remaining;
  }
}

/** Summarizes the emulator's request log. */
export function latencyEmulatorStats(emu: RunningEmulator): LatencyEmulatorStats {
  let writes = 0;
  let writeRecords = 0;
  let reads = 0;
  let rateLimited = 0;
  let errors = 0;
  let firstWriteAt: number | null = null;
  let lastWriteAt: number | null = null;
  let writeMs = 0;
  for (const r of emu.requests) {
    const ok = r.status !== null && r.status >= 200 && r.status < 300;
    if (r.status === 429) rateLimited++;
    else if (!ok) errors++;
    else if (r.method === 'GET') reads++;
    else {
      writes++;
      writeRecords += r.records;
      writeMs += r.durationMs;
      firstWriteAt = Math.min(firstWriteAt ?? r.timestamp, r.timestamp);
      lastWriteAt = Math.max(lastWriteAt ?? 0, r.timestamp + r.durationMs);
    }
  }
  const cpu = process.cpuUsage();
  return {
    writes,
    writeRecords,
    reads,
    rateLimited,
    errors,
    firstWriteAt,
    lastWriteAt,
    meanWriteMs: writes === 0 ? 0 : writeMs / writes,
    cpuMs: (cpu.user + cpu.system) / 1000,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
  };
}

async function run(opts: LatencyEmulatorOptions): Promise<void> {
  const limited = opts.adsWritePerMinute > 0;
  // Counters only: a 10M-record list as a Set would cost the emulator gigabytes and says nothing about pinsync.
  const emu = await startEmulator({
    port: 0,
    trackMembership: false,
    requestLogLimit: 1_000_000,
    ...(limited ? { rateLimits: { ads_write: opts.adsWritePerMinute } } : {}),
  });
  const headroom = limited ? await drainWriteBucket(emu, opts.headroom) : null;
  emu.clearRequests();
  if (opts.latencyMs > 0) emu.faults.latency(opts.latencyMs);
  process.stdout.write(`${JSON.stringify({ baseUrl: emu.baseUrl, headroom })}\n`);

  let closing = false;
  const stop = () => {
    if (closing) return;
    closing = true;
    void emu.close().finally(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  const lines = createInterface({ input: process.stdin });
  lines.on('line', (line) => {
    const command = line.trim();
    if (command === 'stats') process.stdout.write(`${JSON.stringify(latencyEmulatorStats(emu))}\n`);
    else if (command === 'clear') {
      emu.clearRequests();
      process.stdout.write('{}\n');
    }
  });
  lines.on('close', stop);
}

const invokedDirectly = process.argv[1] !== undefined && /bench-latency-emulator(\.[cm]?[jt]s)?$/.test(process.argv[1]);
if (invokedDirectly) {
  run(JSON.parse(process.argv[2] ?? '{}') as LatencyEmulatorOptions).catch((err: unknown) => {
    process.stderr.write(`bench-latency-emulator: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}

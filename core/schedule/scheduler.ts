/**
 * The `pinsync schedule` loop: runs each sync when its schedule falls due, never two runs of one sync at once, at
 * most `concurrency` runs at a time, and on stop() starts nothing new and waits (bounded) for the runs going.
 *
 * Pure: the clock and the "run this sync" function are injected, so the tick logic is tested under a fake clock and
 * the CLI decides how a sync runs (in-process, sharing one Pinterest pacing budget per ad account).
 */
import { type CronSchedule, parseSchedule } from './cron-schedule.js';
import { type ScheduledSyncConfig, dueVerdict } from './due-syncs.js';

/** Time as the loop sees it. */
export interface SchedulerClock {
  /** The current time. */
  now(): Date;
  /** Resolves after `ms`, or as soon as `signal` aborts. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

// Sleeps are capped so a clock jump (a suspended laptop, a VM paused then resumed) is noticed within a minute rather
// than after a timer that was armed for the old time.
const MAX_SLEEP_MS = 60_000;

/** The real clock. */
export const systemClock: SchedulerClock = {
  now: () => new Date(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve) => {
      if (signal.aborted) return resolve();
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
    }),
};

/** What the loop reports, for logs and counters. */
export type SchedulerEvent =
  | {
      /** A run started. */
      type: 'start';
      /** Sync name. */
      sync: string;
      /** Why it is due ("never run", "due since …", "tick …"). */
      reason: string;
    }
  | {
      /** A run ended. */
      type: 'end';
      /** Sync name. */
      sync: string;
      /** The run function's exit code; undefined when it threw. */
      exitCode: number | undefined;
      /** How long it took. */
      durationMs: number;
      /** What it threw, when it did. */
      error?: unknown;
    }
  | {
      /** A tick fell while the sync's previous run was still going: skipped. */
      type: 'overlap';
      /** Sync name. */
      sync: string;
      /** The skipped tick. */
      tick: Date;
      /** Ticks of this sync skipped so far. */
      skippedTotal: number;
    }
  | {
      /** A due sync waits for a free slot (`concurrency` runs are going). */
      type: 'queued';
      /** Sync name. */
      sync: string;
    }
  | {
      /** stop() dropped a due sync that had not started. */
      type: 'dropped';
      /** Sync name. */
      sync: string;
    };

export interface SchedulerOptions {
  /** The scheduled syncs (a sync without schedule is refused). */
  syncs: readonly ScheduledSyncConfig[];
  /** Start of each sync's latest recorded run; a sync missing here has never run and is due at once. */
  lastRunStarts: ReadonlyMap<string, Date>;
  /** Runs one sync to its end (recorded in the state); resolves with its exit code. */
  run: (sync: string) => Promise<number>;
  /** Most runs at a time (at least 1). */
  concurrency: number;
  /** Default: the system clock. */
  clock?: SchedulerClock;
  /** Called for every event, synchronously. */
  onEvent?: (event: SchedulerEvent) => void;
}

/** How stop() ended. */
export interface StopResult {
  /** Runs still going when the timeout passed (empty when all finished in time). */
  stillRunning: string[];
}

interface Entry {
  readonly name: string;
  readonly schedule: CronSchedule;
  /** The next tick the loop acts on; undefined when the schedule never fires again. */
  nextAt: Date | undefined;
  /** Why it is queued, while it is. */
  queuedReason: string | undefined;
  /** The 'queued' event was sent for the current wait (one line per wait, not one per loop turn). */
  queuedAnnounced: boolean;
  skipped: number;
}

export class Scheduler {
  private readonly entries: Entry[];
  private readonly queue: Entry[] = [];
  private readonly running = new Map<string, Promise<void>>();
  private readonly clock: SchedulerClock;
  private readonly concurrency: number;
  private stopping = false;
  private wake = new AbortController();
  private loop: Promise<void> | undefined;
  private runsStarted = 0;

  constructor(private readonly options: SchedulerOptions) {
    if (!Number.isInteger(options.concurrency) || options.concurrency < 1) throw new RangeError('concurrency must be a whole number of at least 1');
    this.clock = options.clock ?? systemClock;
    this.concurrency = options.concurrency;
    const now = this.clock.now();
    this.entries = options.syncs.map((sync) => {
      if (sync.schedule === undefined) throw new RangeError(`sync ${sync.name} has no schedule`);
      const schedule = parseSchedule(sync.schedule, sync.timezone);
      // After downtime a sync is due once (the rule of dueSyncs), however many ticks were missed.
      const verdict = dueVerdict(sync.name, schedule, options.lastRunStarts.get(sync.name), now);
      const entry: Entry = { name: sync.name, schedule, nextAt: verdict.due ? undefined : verdict.nextTick, queuedReason: undefined, queuedAnnounced: false, skipped: 0 };
      if (verdict.due) {
        this.enqueue(entry, verdict.reason);
        entry.nextAt = schedule.nextTick(now);
      }
      return entry;
    });
  }

  /** Starts the loop; returns at once. */
  start(): void {
    this.loop ??= this.runLoop();
  }

  /** Ticks skipped because the sync's previous run was still going, by sync. */
  skippedOverlaps(): Record<string, number> {
    return Object.fromEntries(this.entries.map((e) => [e.name, e.skipped]));
  }

  /** Runs started so far. */
  get started(): number {
    return this.runsStarted;
  }

  /** Syncs due and waiting to start (at start-up: the ones due at once). */
  get queuedSyncs(): string[] {
    return this.queue.map((e) => e.name);
  }

  /** The next tick the loop will act on for each sync (undefined: never again). */
  nextTicks(): Record<string, Date | undefined> {
    return Object.fromEntries(this.entries.map((e) => [e.name, e.nextAt]));
  }

  /** Starts nothing new, drops due syncs that had not started, waits up to `timeoutMs` for the running ones. */
  async stop(timeoutMs: number): Promise<StopResult> {
    this.stopping = true;
    this.wake.abort();
    await this.loop;
    for (const entry of this.queue.splice(0)) {
      entry.queuedReason = undefined;
      this.emit({ type: 'dropped', sync: entry.name });
    }
    if (this.running.size > 0) {
      const timer = new AbortController();
      await Promise.race([Promise.all(this.running.values()), this.clock.sleep(timeoutMs, timer.signal)]);
      timer.abort();
    }
    return { stillRunning: [...this.running.keys()] };
  }

  private async runLoop(): Promise<void> {
    while (!this.stopping) {
      const now = this.clock.now();
      for (const entry of this.entries) {
        if (entry.nextAt === undefined || entry.nextAt.getTime() > now.getTime()) continue;
        this.onTick(entry, entry.nextAt);
        // Strictly after now: ticks missed while the loop slept (a long run, a suspended machine) collapse into one.
        entry.nextAt = entry.schedule.nextTick(now);
      }
      this.dispatch();
      const next = Math.min(...this.entries.map((e) => e.nextAt?.getTime() ?? Infinity));
      const wait = Math.min(MAX_SLEEP_MS, Math.max(1, next - now.getTime()));
      this.wake = new AbortController();
      await this.clock.sleep(wait, this.wake.signal);
    }
  }

  private onTick(entry: Entry, tick: Date): void {
    if (this.running.has(entry.name)) {
      // Two runs of one sync would fight over its lock and its list: the tick is skipped, and said so.
      entry.skipped++;
      this.emit({ type: 'overlap', sync: entry.name, tick, skippedTotal: entry.skipped });
      return;
    }
    // Already waiting for a slot: this tick is served by that run.
    if (entry.queuedReason !== undefined) return;
    this.enqueue(entry, `tick ${tick.toISOString()}`);
  }

  private enqueue(entry: Entry, reason: string): void {
    entry.queuedReason = reason;
    entry.queuedAnnounced = false;
    this.queue.push(entry);
  }

  private dispatch(): void {
    while (!this.stopping && this.running.size < this.concurrency && this.queue.length > 0) {
      const entry = this.queue.shift()!;
      const reason = entry.queuedReason ?? 'due';
      entry.queuedReason = undefined;
      this.startRun(entry.name, reason);
    }
    for (const entry of this.queue) {
      if (entry.queuedAnnounced) continue;
      entry.queuedAnnounced = true;
      this.emit({ type: 'queued', sync: entry.name });
    }
  }

  private startRun(sync: string, reason: string): void {
    this.runsStarted++;
    const startedAt = this.clock.now().getTime();
    this.emit({ type: 'start', sync, reason });
    const done = (async () => {
      let exitCode: number | undefined;
      let error: unknown;
      try {
        exitCode = await this.options.run(sync);
      } catch (err) {
        error = err;
      }
      this.running.delete(sync);
      this.emit({ type: 'end', sync, exitCode, durationMs: this.clock.now().getTime() - startedAt, ...(error === undefined ? {} : { error }) });
      // A freed slot may let a queued sync start now rather than at the next tick.
      this.wake.abort();
    })();
    this.running.set(sync, done);
  }

  private emit(event: SchedulerEvent): void {
    try {
      this.options.onEvent?.(event);
    } catch {
      // A failing log line must not stop the loop.
    }
  }
}

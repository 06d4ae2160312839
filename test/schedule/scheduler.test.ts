/**
 * The scheduler loop under a fake clock (issue 11 §3): ticks, never two runs of one sync at once (the tick is skipped
 * and counted), bounded concurrency, one run after downtime, and stop() that starts nothing new and waits for the
 * runs going, up to its timeout.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Scheduler, type SchedulerEvent } from '../../core/schedule/scheduler.js';
import type { ScheduledSyncConfig } from '../../core/schedule/due-syncs.js';
import { FakeClock, settle } from './fake-clock.js';

/** A run function whose runs end when the test says so; records starts and overlaps. */
class Runs {
  readonly started: { sync: string; at: string }[] = [];
  private readonly pending = new Map<string, () => void>();
  private readonly active = new Map<string, number>();
  maxActivePerSync = 0;
  maxActive = 0;
  /** End every run as soon as it starts. */
  instant = false;

  constructor(private readonly clock: FakeClock) {}

  readonly run = (sync: string): Promise<number> => {
    this.started.push({ sync, at: this.clock.now().toISOString() });
    this.active.set(sync, (this.active.get(sync) ?? 0) + 1);
    this.maxActivePerSync = Math.max(this.maxActivePerSync, this.active.get(sync)!);
    this.maxActive = Math.max(this.maxActive, [...this.active.values()].reduce((a, b) => a + b, 0));
    return new Promise<number>((resolve) => {
      const end = () => {
        this.active.set(sync, this.active.get(sync)! - 1);
        resolve(0);
      };
      if (this.instant) end();
      else this.pending.set(sync, end);
    });
  };

  /** Ends the run of `sync` that is going. */
  async finish(sync: string): Promise<void> {
    const end = this.pending.get(sync);
    if (!end) throw new Error(`${sync} is not running`);
    this.pending.delete(sync);
    end();
    await settle();
  }

  startsOf(sync: string): string[] {
    return this.started.filter((s) => s.sync === sync).map((s) => s.at);
  }
}

const schedulers: { scheduler: Scheduler; clock: FakeClock }[] = [];
afterEach(async () => {
  // Stop every loop a test left going (its timeout passing on the fake clock), so no sleep outlives its test.
  for (const { scheduler, clock } of schedulers.splice(0)) {
    const stopped = scheduler.stop(0);
    await clock.advance(0);
    await stopped;
  }
});

function setUp(syncs: ScheduledSyncConfig[], opts: { last?: Record<string, string>; concurrency?: number; start?: string; instant?: boolean } = {}) {
  const clock = new FakeClock(opts.start ?? '2026-03-02T10:30:00.000Z');
  const runs = new Runs(clock);
  // Before start(): a sync due at once starts inside start().
  runs.instant = opts.instant ?? false;
  const events: SchedulerEvent[] = [];
  const scheduler = new Scheduler({
    syncs,
    lastRunStarts: new Map(Object.entries(opts.last ?? {}).map(([k, v]) => [k, new Date(v)])),
    run: runs.run,
    concurrency: opts.concurrency ?? 2,
    clock,
    onEvent: (e) => events.push(e),
  });
  schedulers.push({ scheduler, clock });
  scheduler.start();
  return { clock, runs, events, scheduler };
}

describe('ticks', () => {
  it('runs a sync at each tick of its schedule, not before', async () => {
    const { clock, runs } = setUp([{ name: 'hourly', schedule: '0 * * * *' }], { last: { hourly: '2026-03-02T10:00:05Z' }, instant: true });
    await settle();
    expect(runs.started).toEqual([]);
    await clock.advance(29 * 60_000 + 59_000); // 10:59:59
    expect(runs.started).toEqual([]);
    await clock.advance(1_000); // 11:00:00
    expect(runs.startsOf('hourly')).toEqual(['2026-03-02T11:00:00.000Z']);
    await clock.advance(60 * 60_000); // 12:00:00
    expect(runs.startsOf('hourly')).toEqual(['2026-03-02T11:00:00.000Z', '2026-03-02T12:00:00.000Z']);
  });

  it('runs a sync that has never run at once, then on its ticks', async () => {
    const { clock, runs } = setUp([{ name: 'fresh', schedule: '*/15 * * * *' }], { instant: true });
    await settle();
    expect(runs.startsOf('fresh')).toEqual(['2026-03-02T10:30:00.000Z']);
    await clock.advance(15 * 60_000);
    expect(runs.startsOf('fresh')).toEqual(['2026-03-02T10:30:00.000Z', '2026-03-02T10:45:00.000Z']);
  });

  it('reads the schedule in its timezone', async () => {
    // 12:00 in Paris (UTC+1 in March before DST) is 11:00 UTC.
    const { clock, runs } = setUp([{ name: 'paris', schedule: '0 12 * * *', timezone: 'Europe/Paris' }], { last: { paris: '2026-03-02T09:00:00Z' }, instant: true });
    await clock.advance(30 * 60_000); // 11:00 UTC
    expect(runs.startsOf('paris')).toEqual(['2026-03-02T11:00:00.000Z']);
  });

  it('takes 6-field schedules (seconds first)', async () => {
    const { clock, runs } = setUp([{ name: 'fast', schedule: '*/10 * * * * *' }], { last: { fast: '2026-03-02T10:29:59Z' }, instant: true });
    await clock.advance(25_000);
    expect(runs.startsOf('fast')).toEqual(['2026-03-02T10:30:00.000Z', '2026-03-02T10:30:10.000Z', '2026-03-02T10:30:20.000Z']);
  });
});

describe('overlap', () => {
  it('never starts a sync while its previous run is going: the ticks are skipped, counted and reported', async () => {
    const { clock, runs, events, scheduler } = setUp([{ name: 'slow', schedule: '* * * * *' }], { last: { slow: '2026-03-02T10:30:00Z' } });
    await clock.advance(60_000); // 10:31 tick: the run starts and does not end
    expect(runs.startsOf('slow')).toHaveLength(1);
    await clock.advance(3 * 60_000); // ticks 10:32, 10:33, 10:34 fall while it runs
    expect(runs.startsOf('slow')).toHaveLength(1);
    expect(scheduler.skippedOverlaps()).toEqual({ slow: 3 });
    expect(events.filter((e) => e.type === 'overlap').map((e) => (e as { tick: Date }).tick.toISOString())).toEqual([
      '2026-03-02T10:32:00.000Z',
      '2026-03-02T10:33:00.000Z',
      '2026-03-02T10:34:00.000Z',
    ]);
    await runs.finish('slow'); // 10:34: the skipped ticks are not replayed
    await clock.advance(59_000);
    expect(runs.startsOf('slow')).toHaveLength(1);
    await clock.advance(1_000); // 10:35 tick
    expect(runs.startsOf('slow')).toEqual(['2026-03-02T10:31:00.000Z', '2026-03-02T10:35:00.000Z']);
    expect(runs.maxActivePerSync).toBe(1);
  });
});

describe('concurrency', () => {
  it('runs at most --concurrency syncs at a time; a queued sync starts when a slot frees, once', async () => {
    const syncs = ['a', 'b', 'c', 'd'].map((name) => ({ name, schedule: '* * * * *' }));
    const { clock, runs, events } = setUp(syncs, { concurrency: 2 });
    await settle();
    expect(runs.started.map((s) => s.sync)).toEqual(['a', 'b']);
    expect(events.filter((e) => e.type === 'queued').map((e) => e.sync)).toEqual(['c', 'd']);
    // The 10:31 tick finds c and d still queued: it is served by the runs they are waiting for, not added twice.
    await clock.advance(60_000);
    await runs.finish('a');
    expect(runs.started.map((s) => s.sync)).toEqual(['a', 'b', 'c']);
    await runs.finish('b');
    await runs.finish('c');
    expect(runs.started.map((s) => s.sync)).toEqual(['a', 'b', 'c', 'd']);
    await runs.finish('d');
    expect(runs.maxActive).toBe(2);
    expect(runs.maxActivePerSync).toBe(1);
  });
});

describe('downtime', () => {
  it('after two days down, an hourly sync runs once at start, not once per missed tick', async () => {
    const { clock, runs } = setUp([{ name: 'hourly', schedule: '0 * * * *' }], { last: { hourly: '2026-02-28T10:00:00Z' }, instant: true });
    await settle();
    expect(runs.startsOf('hourly')).toEqual(['2026-03-02T10:30:00.000Z']);
    await clock.advance(29 * 60_000);
    expect(runs.startsOf('hourly')).toHaveLength(1);
  });

  it('a clock jump while the loop sleeps (a suspended machine) gives one run, not one per missed tick', async () => {
    const { clock, runs } = setUp([{ name: 'hourly', schedule: '0 * * * *' }], { last: { hourly: '2026-03-02T10:00:00Z' }, instant: true });
    await clock.jump(5 * 3_600_000); // 15:30
    expect(runs.startsOf('hourly')).toEqual(['2026-03-02T15:30:00.000Z']);
    await clock.advance(30 * 60_000); // 16:00
    expect(runs.startsOf('hourly')).toEqual(['2026-03-02T15:30:00.000Z', '2026-03-02T16:00:00.000Z']);
  });
});

describe('stop', () => {
  it('starts nothing new and waits for the runs going', async () => {
    const { clock, runs, events, scheduler } = setUp(
      ['a', 'b', 'c'].map((name) => ({ name, schedule: '* * * * *' })),
      { concurrency: 2 },
    );
    await settle();
    let stopped: string[] | undefined;
    const stopping = scheduler.stop(120_000).then((r) => (stopped = r.stillRunning));
    await settle();
    expect(events.filter((e) => e.type === 'dropped').map((e) => e.sync)).toEqual(['c']);
    await clock.advance(60_000); // a tick while stopping: nothing starts
    expect(runs.started.map((s) => s.sync)).toEqual(['a', 'b']);
    expect(stopped).toBeUndefined();
    await runs.finish('a');
    expect(stopped).toBeUndefined();
    await runs.finish('b');
    await stopping;
    expect(stopped).toEqual([]);
    expect(runs.started.map((s) => s.sync)).toEqual(['a', 'b']);
  });

  it('gives up waiting after its timeout and names the runs still going', async () => {
    const { clock, scheduler } = setUp([{ name: 'stuck', schedule: '* * * * *' }]);
    await settle();
    let result: { stillRunning: string[] } | undefined;
    void scheduler.stop(120_000).then((r) => (result = r));
    await clock.advance(119_000);
    expect(result).toBeUndefined();
    await clock.advance(1_000);
    expect(result).toEqual({ stillRunning: ['stuck'] });
  });
});

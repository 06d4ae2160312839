/** A clock the test moves by hand, for the scheduler loop: sleeps resolve only when advance() passes their time. */
import type { SchedulerClock } from '../../core/schedule/scheduler.js';

interface Sleeper {
  at: number;
  resolve: () => void;
}

/** Lets every pending promise callback and the loop's next turn run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise<void>((r) => setImmediate(r));
}

export class FakeClock implements SchedulerClock {
  private t: number;
  private sleepers: Sleeper[] = [];

  constructor(start: string) {
    this.t = Date.parse(start);
  }

  now(): Date {
    return new Date(this.t);
  }

  sleep(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise<void>((resolve) => {
      if (signal.aborted) return resolve();
      const sleeper: Sleeper = { at: this.t + ms, resolve };
      this.sleepers.push(sleeper);
      signal.addEventListener(
        'abort',
        () => {
          this.sleepers = this.sleepers.filter((s) => s !== sleeper);
          resolve();
        },
        { once: true },
      );
    });
  }

  /** Moves time forward by `ms`, waking each sleeper at its own time, in order. */
  async advance(ms: number): Promise<void> {
    const target = this.t + ms;
    await settle();
    for (;;) {
      const due = this.sleepers.filter((s) => s.at <= target).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.t = Math.max(this.t, due.at);
      this.sleepers = this.sleepers.filter((s) => s !== due);
      due.resolve();
      await settle();
    }
    this.t = target;
    await settle();
  }

  /** Jumps time forward without waking anyone on the way (a suspended machine), then lets due sleepers wake. */
  async jump(ms: number): Promise<void> {
    this.t += ms;
    for (const s of this.sleepers.splice(0)) s.resolve();
    await settle();
  }
}

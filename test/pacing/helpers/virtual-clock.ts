/**
 * A discrete-event clock for pacing tests: `sleep` registers a timer, `runFor` lets pending promise callbacks settle
 * and then jumps to the earliest timer, so minutes of pacing run in milliseconds.
 */
import { setImmediate as tick } from 'node:timers/promises';
import type { PacingClock } from '../../../connectors/pinterest/pacing/pinterest-pacing-gate.js';

interface Timer {
  at: number;
  seq: number;
  resolve: () => void;
}

export class VirtualClock implements PacingClock {
  #now: number;
  #seq = 0;
  #timers: Timer[] = [];

  constructor(start = Date.UTC(2025, 0, 1)) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        this.#timers = this.#timers.filter((t) => t !== timer);
        reject(signal?.reason);
      };
      const timer: Timer = {
        at: this.#now + Math.max(0, ms),
        seq: this.#seq++,
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      this.#timers.push(timer);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Runs timers in time order until `ms` of virtual time have passed. */
  async runFor(ms: number): Promise<void> {
    const end = this.#now + ms;
    for (;;) {
      await tick();
      this.#timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = this.#timers[0];
      if (next === undefined || next.at > end) break;
      this.#timers.shift();
      this.#now = Math.max(this.#now, next.at);
      next.resolve();
    }
    this.#now = end;
  }
}

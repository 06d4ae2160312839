/**
 * The emulator's notion of "now": wall-clock time plus an offset that tests push forward, so matching delays and
 * timestamps can be exercised without sleeping.
 */
export class EmulatorClock {
  #offsetMs = 0;

  /** Milliseconds since the epoch, including the offset. */
  nowMs(): number {
    return Date.now() + this.#offsetMs;
  }

  /** Unix seconds, which is what Pinterest's `*_time` and `*_timestamp` fields carry. */
  nowSeconds(): number {
    return Math.floor(this.nowMs() / 1000);
  }

  /** Moves time forward (or back, for a negative value). */
  advance(ms: number): void {
    this.#offsetMs += ms;
  }

  /** Current offset from the wall clock, persisted so a restart does not move time backwards. */
  get offsetMs(): number {
    return this.#offsetMs;
  }

  set offsetMs(value: number) {
    this.#offsetMs = value;
  }
}

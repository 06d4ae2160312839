/**
 * Batch sizing. Every record pinsync sends is a 64-hex SHA-256 digest joined by commas, so a batch's body size is
 * known from its record count: 65 bytes per record plus the JSON envelope.
 */

/** Bytes one record adds to the `records` string: 64 hex digits and a comma. */
export const BYTES_PER_RECORD = 65;
/** Room for `{"operation_type":"REMOVE","records":""}` and a list name on create. */
const ENVELOPE_BYTES = 1024;

export interface BatchLimits {
  /** Most records per request. */
  maxRecords: number;
  /** Most bytes per request body. */
  maxBytes: number;
}

/** Records per request that respects both limits (at least 1). */
export function recordsPerBatch(limits: BatchLimits): number {
  const byBytes = Math.floor((limits.maxBytes - ENVELOPE_BYTES) / BYTES_PER_RECORD);
  return Math.max(1, Math.min(limits.maxRecords, byBytes));
}

/** Clean requests in a row after which a size Pinterest once refused is tried doubled. */
export const PROBE_AFTER_CLEAN_BATCHES = 10;

/**
 * The records-per-request size over one run. A request refused as too large halves it; after
 * PROBE_AFTER_CLEAN_BATCHES accepted requests in a row it doubles again, up to the configured size, so one bad
 * minute (a proxy, a transient limit) does not shrink every later run forever. A probe that is refused again means
 * the limit is real: no more probing in this run (the next run probes once more).
 *
 * Requests may be answered out of order (several in flight), so every answer names the size it was for: an older,
 * smaller request accepted while a probe is out neither confirms nor cancels the probe. `proven` tells the push
 * whether a request of the current size was accepted in this run: until one was, the size goes out alone, so a size
 * Pinterest refuses costs one refused request, not one per request in flight.
 */
export class AdaptiveBatchSize {
  #current: number;
  #clean = 0;
  /** Size of the probe in flight (the grown size), until a request that large is answered. */
  #probe: number | undefined;
  #probeRefused = false;
  #largestAccepted = 0;
  /** Largest size accepted in this run and not refused since: the size never shrinks below it. */
  #floor = 0;
  #confirmed: number | undefined;

  /** `configured`: the size the config allows; `start`: where this run begins (a remembered smaller size). */
  constructor(
    readonly configured: number,
    start: number,
    private readonly probeAfter: number = PROBE_AFTER_CLEAN_BATCHES,
  ) {
    this.#current = Math.max(1, Math.min(configured, start));
  }

  /** Records to put in the next request. */
  get current(): number {
    return this.#current;
  }

  /** Whether Pinterest accepted a request of at least the current size in this run (several may then go at once). */
  get proven(): boolean {
    return this.#largestAccepted >= this.#current;
  }

  /**
   * A request of `records` was refused as too large: the size each half is split into, and whether the size shrank.
   * A refusal says the limit is under `records`, and every accepted request says it is at least that request's size,
   * so the size never shrinks below the largest accepted in this run: a short range refused under a probe must not
   * undo what many requests proved. A refusal of fewer records than were accepted contradicts that: only that request
   * is split. A refusal of that largest size itself means the limit moved: the size halves and the floor is dropped.
   */
  refused(records: number): { half: number; shrank: boolean } {
    this.#clean = 0;
    const half = Math.max(1, Math.floor(records / 2));
    if (records < this.#floor) return { half, shrank: false };
    if (records === this.#floor) this.#floor = 0;
    if (this.#probe !== undefined && records >= this.#probe) this.#probeRefused = true;
    const next = Math.max(half, this.#floor);
    const shrank = next < this.#current;
    if (shrank) {
      this.#current = next;
      this.#probe = undefined;
    }
    return { half, shrank };
  }

  /**
   * A request of `records` (default: the current size) was accepted. Returns the new size when this was the clean
   * run that earns a probe, else undefined.
   */
  accepted(records: number = this.#current): number | undefined {
    this.#clean++;
    this.#largestAccepted = Math.max(this.#largestAccepted, records);
    this.#floor = Math.max(this.#floor, records);
    if (this.#probe !== undefined && records >= this.#probe) {
      this.#confirmed = this.#probe;
      this.#probe = undefined;
    }
    if (this.#probe !== undefined || this.#probeRefused || this.#current >= this.configured || this.#clean < this.probeAfter) return undefined;
    this.#current = Math.min(this.configured, this.#current * 2);
    this.#clean = 0;
    this.#probe = this.#current;
    return this.#current;
  }

  /**
   * The size a request just proved by being accepted at it after a probe, once; else undefined. Only a proven size
   * is worth remembering for the next run: a probe may never be tried at its full size (the delta ran out first).
   */
  takeConfirmed(): number | undefined {
    const confirmed = this.#confirmed;
    this.#confirmed = undefined;
    return confirmed;
  }
}

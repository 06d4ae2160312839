/**
 * One phase of a push (every ADD range, or every REMOVE range of the frozen delta) with up to `maxInFlight` requests
 * waiting on Pinterest at once. Pacing (the destination's gate) decides when a request may start; this bound decides
 * how many may wait on an answer, which is what keeps the write budget full when an answer takes hundreds of ms.
 *
 * The rules that keep the accounting exact:
 * - Ranges are disjoint position ranges of the delta, so each is acknowledged on its own when its answer arrives, in
 *   any order; a kill leaves exactly the unanswered ones unacknowledged.
 * - A range refused as too large is re-sent as its two halves, before the cursor moves on. A half queued before a
 *   later shrink, and larger than the size by the time it is sent, is re-cut at that size first, so a shrink is not
 *   refused again once per range queued at the old size. Requests already out keep their ranges: no range is sent
 *   twice or dropped.
 * - A size not yet accepted in this run (the first request, a shrink, a probe) goes out alone: a refusal then costs
 *   one request, not one per request in flight.
 * - A failure, or a stop, ends the starting of requests; the ones out are answered and acknowledged first, then the
 *   phase ends (with the first failure). The phase returns only when nothing is in flight.
 */
import type { AdaptiveBatchSize } from './batching.js';
import type { ListOperation } from './destination.js';

/** Default of `destinations.<name>.maxInFlight` (see the README's measurement: 8 fills 400/min up to ~1.2 s a request). */
export const DEFAULT_MAX_IN_FLIGHT = 8;
/** Most requests `maxInFlight` may allow at once. */
export const MAX_IN_FLIGHT_LIMIT = 32;

/** Delta positions [start, end) of one request. */
export interface PushRange {
  /** First position (inclusive). */
  start: number;
  /** Last position (exclusive). */
  end: number;
}

/** What a phase does with ranges; the engine supplies the state session and the destination behind these. */
export interface PushHooks {
  /** The hashes at the range's delta positions. */
  read(op: ListOperation, range: PushRange): Promise<string[]>;
  /** Sends one batch; resolves once Pinterest accepted it. */
  send(op: ListOperation, records: readonly string[]): Promise<void>;
  /** Applies and records an accepted range (and counts it in the report). */
  acknowledge(op: ListOperation, range: PushRange, records: number): Promise<void>;
  /** Whether a `send` failure means the batch was too large. */
  isTooLarge(err: unknown): boolean;
  /** A range was refused as too large: shrinks the size and returns the first half's length, or throws `err` (1 record). */
  tooLarge(range: PushRange, err: unknown): Promise<number>;
  /** Whether a stop was asked for: no further request starts. */
  stopRequested(): boolean;
}

/** Settings of a pipeline. */
export interface PushPipelineOptions {
  /** Records per request, shared by every phase of the run. */
  size: AdaptiveBatchSize;
  /** Most requests out at once (1 = one at a time). */
  maxInFlight: number;
  /** The engine's side of the push. */
  hooks: PushHooks;
}

/** A refused range's half waiting to be sent; `cutAt`: the size when it was queued (a later shrink re-cuts it). */
interface Queued extends PushRange {
  cutAt: number;
}

/** Ranges of one phase that are read ahead of their request; bounds memory to `maxInFlight + 1` batches. */
interface Prefetched {
  range: PushRange;
  records: Promise<string[]>;
}

export class PushPipeline {
  readonly #size: AdaptiveBatchSize;
  readonly #maxInFlight: number;
  readonly #hooks: PushHooks;

  constructor(opts: PushPipelineOptions) {
    if (!Number.isInteger(opts.maxInFlight) || opts.maxInFlight < 1) throw new RangeError(`maxInFlight must be a whole number of at least 1 (was ${opts.maxInFlight})`);
    this.#size = opts.size;
    this.#maxInFlight = opts.maxInFlight;
    this.#hooks = opts.hooks;
  }

  /**
   * Sends positions [from, total) of `op`. Resolves when every range was sent and acknowledged, or when a stop was
   * asked for and the requests out were answered; rejects with the first failure once nothing is in flight.
   */
  async run(op: ListOperation, from: number, total: number): Promise<void> {
    const hooks = this.#hooks;
    const size = this.#size;
    let cursor = from;
    const requeued: Queued[] = [];
    const inFlight = new Set<Promise<void>>();
    let failure: { err: unknown } | undefined;
    let prefetched: Prefetched | undefined;

    const next = (): PushRange | undefined => {
      const head = requeued[0];
      if (head === undefined) return cursor < total ? { start: cursor, end: Math.min(total, cursor + size.current) } : undefined;
      // Only a shrink since the range was queued re-cuts it: the longer half of an odd split (23 after 45 was
      // refused, size 22) goes as it is rather than as 22 and a lone record.
      if (head.cutAt <= size.current || head.end - head.start <= size.current) return head;
      // Cut in place, so `take` still finds the head it was given and the rest stays queued, contiguous.
      const cut: Queued = { start: head.start, end: head.start + size.current, cutAt: size.current };
      requeued.splice(0, 1, cut, { start: cut.end, end: head.end, cutAt: head.cutAt });
      return cut;
    };
    const take = (range: PushRange): void => {
      if (requeued[0] === range) requeued.shift();
      else cursor = range.end;
    };
    const readOf = (range: PushRange): Promise<string[]> => {
      const hit = prefetched !== undefined && prefetched.range.start === range.start && prefetched.range.end === range.end;
      const records = hit ? prefetched!.records : hooks.read(op, range);
      prefetched = undefined;
      return records;
    };
    const prefetch = (): void => {
      const range = next();
      if (range === undefined || prefetched !== undefined) return;
      const records = hooks.read(op, range);
      // Dropped unread when the range changes (a refusal re-cut it); its failure then matters to nobody.
      records.catch(() => undefined);
      prefetched = { range, records };
    };
    const sendOne = async (range: PushRange, records: string[]): Promise<void> => {
      try {
        await hooks.send(op, records);
      } catch (err) {
        if (!hooks.isTooLarge(err)) throw err;
        const half = await hooks.tooLarge(range, err);
        const cutAt = size.current;
        requeued.unshift({ start: range.start, end: range.start + half, cutAt }, { start: range.start + half, end: range.end, cutAt });
        return;
      }
      await hooks.acknowledge(op, range, records.length);
    };
    const limit = (): number => (size.proven ? this.#maxInFlight : 1);

    for (;;) {
      while (failure === undefined && inFlight.size >= limit()) await Promise.race(inFlight);
      if (failure !== undefined || hooks.stopRequested()) break;
      const range = next();
      if (range === undefined) {
        // Nothing left to cut, but an answer still out may be a refusal whose halves come back here.
        if (inFlight.size === 0) break;
        await Promise.race(inFlight);
        continue;
      }
      take(range);
      let records: string[];
      try {
        records = await readOf(range);
      } catch (err) {
        failure = { err };
        break;
      }
      // A stop that came while reading: this range was never sent, so the next run's diff still holds it.
      if (hooks.stopRequested()) break;
      const task: Promise<void> = sendOne(range, records)
        .catch((err: unknown) => {
          failure ??= { err };
        })
        .finally(() => inFlight.delete(task));
      inFlight.add(task);
      prefetch();
    }
    await Promise.all(inFlight);
    if (failure !== undefined) throw failure.err;
  }
}

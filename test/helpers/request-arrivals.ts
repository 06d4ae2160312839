/**
 * Waits on requests as they ARRIVE at the emulator (before any latency, fault or handling), not when they are
 * logged after their answer. Tests use it to act while a request is held, and to wait on events instead of
 * polling the clock: every wait has a deadline that fails the test with what it was waiting for.
 */
import type { RunningEmulator } from '../../emulators/pinterest/running-emulator.js';

/** A request as it arrived: method and path only (the body is not read yet). */
export interface Arrival {
  /** HTTP method. */
  method: string;
  /** Path without the query string. */
  path: string;
}

export interface ArrivalWatch {
  /** Every request that has arrived since `watchArrivals`, oldest first. */
  readonly arrivals: readonly Arrival[];
  /** Resolves once `count` arrivals match `predicate` (at once if they already have); rejects after `timeoutMs`. */
  waitFor(predicate: (a: Arrival) => boolean, count?: number, timeoutMs?: number): Promise<void>;
  /** Calls `fn` synchronously when the `nth` (1-based) matching request arrives, before the emulator handles it. */
  onArrival(predicate: (a: Arrival) => boolean, nth: number, fn: () => void): void;
}

/** Watches `emulator` by observing its fault planner, which the server consults first for every request. */
export function watchArrivals(emulator: RunningEmulator): ArrivalWatch {
  const arrivals: Arrival[] = [];
  const waiters: { predicate: (a: Arrival) => boolean; count: number; done: () => void }[] = [];
  const faults = emulator.faults as RunningEmulator['faults'] & { plan(method: string, path: string): unknown };
  const plan = faults.plan.bind(faults);
  faults.plan = (method: string, path: string) => {
    const arrival = { method, path };
    arrivals.push(arrival);
    for (const w of [...waiters]) {
      if (arrivals.filter(w.predicate).length >= w.count) {
        waiters.splice(waiters.indexOf(w), 1);
        w.done();
      }
    }
    return plan(method, path);
  };
  const waitFor = (predicate: (a: Arrival) => boolean, count = 1, timeoutMs = 30_000): Promise<void> =>
    new Promise((resolve, reject) => {
      if (arrivals.filter(predicate).length >= count) return resolve();
      const timer = setTimeout(() => {
        waiters.splice(waiters.indexOf(waiter), 1);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${count} matching request(s); ${arrivals.length} arrived`));
      }, timeoutMs);
      const waiter = {
        predicate,
        count,
        done: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      waiters.push(waiter);
    });
  const onArrival = (predicate: (a: Arrival) => boolean, nth: number, fn: () => void): void => {
    waiters.push({ predicate, count: nth, done: fn });
  };
  return { arrivals, waitFor, onArrival };
}

/** A PATCH to a customer list (ADD or REMOVE batch). */
export const isListPatch = (a: Arrival): boolean => a.method === 'PATCH' && a.path.includes('/customer_lists/');

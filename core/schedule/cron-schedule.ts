/**
 * A sync's `schedule` (cron) read by croner, a maintained cron library with IANA time zones and DST handling: cron
 * edge cases (day-of-month vs day-of-week, DST gaps, `L`, `#`) are where hand-written parsers go wrong.
 * croner is pure computation (no I/O, no timers unless given a callback, which this file never does), so core may use it.
 */
import { Cron } from 'croner';

/** A parsed schedule: the ticks of one cron expression in one time zone. */
export interface CronSchedule {
  /** The expression as written. */
  readonly expression: string;
  /** The IANA zone it is read in; undefined means the machine's. */
  readonly timezone: string | undefined;
  /** The first tick strictly after `after`, or undefined when the expression never fires again. */
  nextTick(after: Date): Date | undefined;
}

/** Parses `expression` (5 fields, or 6 with seconds first); throws with croner's reason when it is not valid. */
export function parseSchedule(expression: string, timezone?: string): CronSchedule {
  if (timezone !== undefined) assertTimeZone(timezone);
  // No callback: croner only computes dates and starts no timer.
  const cron = new Cron(expression.trim(), { mode: '5-or-6-parts', timezone });
  return {
    expression,
    timezone,
    nextTick(after: Date): Date | undefined {
      return cron.nextRun(after) ?? undefined;
    },
  };
}

/** Throws when `timezone` is not an IANA zone name this Node knows (croner would only fail at the first tick). */
function assertTimeZone(timezone: string): void {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
  } catch {
    throw new RangeError(`unknown time zone "${timezone.slice(0, 60)}"; use an IANA name such as Europe/Paris or UTC`);
  }
}

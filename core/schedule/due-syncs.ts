/**
 * When a scheduled sync is due: the rule `sync --if-due` and `pinsync schedule` share.
 *
 * A sync is due when its schedule has a tick in (start of its last run, now]. Several missed ticks (downtime, a cron
 * job that did not fire) still make one run, not one per tick: the audience only needs to be current once. A sync that
 * has never run is due at once, so a new sync does not wait up to a whole period (a day, for a daily schedule) for its
 * first audience.
 */
import { type CronSchedule, parseSchedule } from './cron-schedule.js';

/** What the due check needs of a sync. */
export interface ScheduledSyncConfig {
  /** Sync name. */
  name: string;
  /** Cron expression; undefined when the sync has no schedule. */
  schedule?: string | undefined;
  /** IANA zone of the schedule. */
  timezone?: string | undefined;
}

/** One sync's verdict. */
export type DueVerdict =
  | {
      /** Run it now. */
      due: true;
      /** Sync name. */
      sync: string;
      /** Why, for logs: "never run" or the tick that fell due. */
      reason: string;
    }
  | {
      /** Do not run it now. */
      due: false;
      /** Sync name. */
      sync: string;
      /** Why, for the report's skipped rows. */
      reason: string;
      /** Its next tick, when it has a schedule that fires again. */
      nextTick?: Date;
    };

/** The verdict for each sync, in the order given. `lastRunStart` holds the start of each sync's latest recorded run. */
export function dueSyncs(syncs: readonly ScheduledSyncConfig[], lastRunStart: ReadonlyMap<string, Date>, now: Date): DueVerdict[] {
  return syncs.map((sync) => {
    if (sync.schedule === undefined) return { due: false, sync: sync.name, reason: 'no schedule: set schedule: on the sync to run it with --if-due' };
    return dueVerdict(sync.name, parseSchedule(sync.schedule, sync.timezone), lastRunStart.get(sync.name), now);
  });
}

/** One sync's verdict under an already parsed schedule. */
export function dueVerdict(name: string, schedule: CronSchedule, lastStart: Date | undefined, now: Date): DueVerdict {
  if (lastStart === undefined) return { due: true, sync: name, reason: 'never run' };
  const tick = schedule.nextTick(lastStart);
  if (tick !== undefined && tick.getTime() <= now.getTime()) return { due: true, sync: name, reason: `due since ${tick.toISOString()}` };
  const next = tick ?? schedule.nextTick(now);
  return next === undefined
    ? { due: false, sync: name, reason: 'not due: its schedule does not fire again' }
    : { due: false, sync: name, reason: `not due until ${next.toISOString()} (last run started ${lastStart.toISOString()})`, nextTick: next };
}

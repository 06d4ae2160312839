/** Config-time check of a sync's `schedule` and `timezone`, so a bad expression fails `validate` (exit 2), not the scheduler. */
import { type IssueSink, isRecord, isSet } from '../config/config-fields.js';
import { parseSchedule } from './cron-schedule.js';

export function checkScheduleFields(value: unknown, ctx: IssueSink): void {
  if (!isRecord(value)) return;
  const { schedule, timezone } = value;
  if (isSet(timezone) && !isSet(schedule)) {
    ctx.addIssue({ code: 'custom', path: ['timezone'], message: 'timezone is read with schedule: set schedule too, or remove timezone' });
    return;
  }
  if (!isSet(schedule) || typeof schedule !== 'string') return;
  if (isSet(timezone) && typeof timezone !== 'string') return;
  let parsed;
  try {
    parsed = parseSchedule(schedule, isSet(timezone) ? (timezone as string) : undefined);
  } catch (err) {
    const message = (err as Error).message;
    const zone = message.startsWith('unknown time zone');
    ctx.addIssue({
      code: 'custom',
      path: [zone ? 'timezone' : 'schedule'],
      message: zone ? message : `not a valid cron expression (5 fields, or 6 with seconds first, e.g. "15 * * * *"): ${message.replace(/^CronPattern: /, '')}`,
    });
    return;
  }
  // `0 0 30 2 *` parses but never fires: a sync that would silently never run is a mistake worth stopping on.
  if (parsed.nextTick(new Date()) === undefined) {
    ctx.addIssue({ code: 'custom', path: ['schedule'], message: `"${schedule}" never falls due (no such date); check the day and month fields` });
  }
}

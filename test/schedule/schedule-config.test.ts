/** `schedule:` and `timezone:` on syncs: checked by croner when the config loads, each problem at its path (exit 2). */
import { describe, expect, it } from 'vitest';
import { ConfigError, EXIT } from '../../core/errors.js';
import { issuesOf, messageAt, minimalConfig, parse } from '../config/config-fixtures.js';

function withSchedule(fields: Record<string, unknown>) {
  const config = minimalConfig();
  Object.assign(config.syncs[0], fields);
  return config;
}

describe('schedule config', () => {
  it('accepts 5-field and 6-field (seconds first) expressions, with or without a timezone', () => {
    expect(parse(withSchedule({ schedule: '15 * * * *' })).syncs[0]!.schedule).toBe('15 * * * *');
    const six = parse(withSchedule({ schedule: '*/30 * * * * *', timezone: 'Europe/Paris' })).syncs[0]!;
    expect(six.schedule).toBe('*/30 * * * * *');
    expect(six.timezone).toBe('Europe/Paris');
    expect(parse(minimalConfig()).syncs[0]!.schedule).toBeUndefined();
  });

  it('refuses a bad expression at its path, with croner\'s reason', () => {
    expect(messageAt(issuesOf(withSchedule({ schedule: '61 * * * *' })), 'syncs[0].schedule')).toMatch(/not a valid cron expression.*minute/);
    expect(messageAt(issuesOf(withSchedule({ schedule: 'every hour' })), 'syncs[0].schedule')).toMatch(/not a valid cron expression/);
    // 7 fields (a year) is croner's, not the 5-or-6 DESIGN names
    expect(messageAt(issuesOf(withSchedule({ schedule: '0 0 0 * * * 2027' })), 'syncs[0].schedule')).toMatch(/5 or 6/);
  });

  it('refuses a schedule that never falls due', () => {
    expect(messageAt(issuesOf(withSchedule({ schedule: '0 0 30 2 *' })), 'syncs[0].schedule')).toMatch(/never falls due/);
  });

  it('refuses an unknown timezone, and a timezone without a schedule', () => {
    expect(messageAt(issuesOf(withSchedule({ schedule: '0 * * * *', timezone: 'Europe/Atlantis' })), 'syncs[0].timezone')).toMatch(/unknown time zone.*IANA/);
    expect(messageAt(issuesOf(withSchedule({ timezone: 'UTC' })), 'syncs[0].timezone')).toMatch(/set schedule too/);
  });

  it('is a config error: exit 2', () => {
    try {
      parse(withSchedule({ schedule: 'nope' }));
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).exitCode).toBe(EXIT.usage);
    }
  });
});

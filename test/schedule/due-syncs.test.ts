/** The due rule `sync --if-due` and the scheduler share: a tick in (last run start, now]; never run means due now. */
import { describe, expect, it } from 'vitest';
import { dueSyncs } from '../../core/schedule/due-syncs.js';

const at = (iso: string) => new Date(iso);

describe('dueSyncs', () => {
  const syncs = [{ name: 'hourly', schedule: '0 * * * *' }];

  it('is due when a tick fell after the last run started, up to and including now', () => {
    const last = new Map([['hourly', at('2026-03-02T10:00:00.000Z')]]);
    expect(dueSyncs(syncs, last, at('2026-03-02T10:59:59.999Z'))[0]).toMatchObject({ due: false, nextTick: at('2026-03-02T11:00:00.000Z') });
    expect(dueSyncs(syncs, last, at('2026-03-02T11:00:00.000Z'))[0]).toMatchObject({ due: true, reason: 'due since 2026-03-02T11:00:00.000Z' });
  });

  it('a run that started on the tick used it', () => {
    const last = new Map([['hourly', at('2026-03-02T11:00:00.000Z')]]);
    expect(dueSyncs(syncs, last, at('2026-03-02T11:00:30.000Z'))[0]!.due).toBe(false);
  });

  it('many missed ticks make one due verdict, measured from the last run', () => {
    const last = new Map([['hourly', at('2026-02-01T00:00:00.000Z')]]);
    expect(dueSyncs(syncs, last, at('2026-03-02T11:30:00.000Z'))[0]).toMatchObject({ due: true, reason: 'due since 2026-02-01T01:00:00.000Z' });
  });

  it('a sync never run is due now; one without a schedule never is', () => {
    const verdicts = dueSyncs([...syncs, { name: 'manual' }], new Map(), at('2026-03-02T11:30:00.000Z'));
    expect(verdicts[0]).toMatchObject({ due: true, reason: 'never run' });
    expect(verdicts[1]).toMatchObject({ due: false, sync: 'manual', reason: expect.stringMatching(/no schedule/) });
  });

  it('reads the schedule in its timezone', () => {
    // 09:00 in New York in March 2026 (after the DST switch on March 8) is 13:00 UTC.
    const ny = [{ name: 'ny', schedule: '0 9 * * *', timezone: 'America/New_York' }];
    const last = new Map([['ny', at('2026-03-10T12:00:00.000Z')]]);
    expect(dueSyncs(ny, last, at('2026-03-10T12:59:59.000Z'))[0]!.due).toBe(false);
    expect(dueSyncs(ny, last, at('2026-03-10T13:00:00.000Z'))[0]!.due).toBe(true);
  });
});

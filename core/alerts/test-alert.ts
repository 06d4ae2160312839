/** The payload `pinsync alerts test` sends: shaped like a real alert, so a receiver's parser is tested too. */
import type { AlertPayload } from './alert-payload.js';
import { TEST_EVENT } from './alert-payload.js';

/** A test event at `now`: no run, zero counts. */
export function testAlertPayload(now: Date): AlertPayload {
  const at = now.toISOString();
  return {
    event: TEST_EVENT,
    sync: 'pinsync-alerts-test',
    runId: null,
    status: 'succeeded',
    startedAt: at,
    finishedAt: at,
    counts: { adds: 0, removes: 0, plannedAdds: 0, plannedRemoves: 0, rejected: {} },
    customerListId: null,
    audienceId: null,
    error: null,
    warnings: [],
    consecutiveFailures: 0,
    hint: 'a test from `pinsync alerts test`: nothing ran; this channel receives pinsync alerts',
  };
}

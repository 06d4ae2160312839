/** The payload `pinsync alerts test` sends: shaped like a real alert, so a receiver's parser is tested too. */
import { type AlertPayload, runlessPayload, TEST_EVENT } from './alert-payload.js';

/** A test event at `now`: no run, zero counts. */
export function testAlertPayload(now: Date): AlertPayload {
  return runlessPayload({
    event: TEST_EVENT,
    sync: 'pinsync-alerts-test',
    status: 'succeeded',
    at: now,
    warnings: [],
    hint: 'a test from `pinsync alerts test`: nothing ran; this channel receives pinsync alerts',
  });
}

import { describe, expect, it } from 'vitest';
import { worstExitCode } from '../../cli/exit-codes.js';
import { EXIT } from '../../core/errors.js';

describe('worstExitCode', () => {
  it('ranks an interruption above a failed sync and a guardrail stop, below a usage error', () => {
    expect(worstExitCode([EXIT.ok, EXIT.syncFailed, EXIT.interrupted])).toBe(EXIT.interrupted);
    expect(worstExitCode([EXIT.interrupted, EXIT.guardrail])).toBe(EXIT.interrupted);
    expect(worstExitCode([EXIT.interrupted, EXIT.usage])).toBe(EXIT.usage);
    expect(worstExitCode([EXIT.guardrail, EXIT.syncFailed, EXIT.ok])).toBe(EXIT.syncFailed);
  });
});

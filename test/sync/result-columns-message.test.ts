/**
 * The PINSYNC_COLUMN_MISSING message (core/result-columns.ts) reads as sentences: a did-you-mean ends with its own
 * question mark, not with `?.` before the fix.
 */
import { describe, expect, it } from 'vitest';
import { resolveResultColumns } from '../../core/result-columns.js';

function messageFor(wanted: string[], returned: string[]): string {
  try {
    resolveResultColumns('vip', wanted.map((column) => ({ column })), returned);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected PINSYNC_COLUMN_MISSING');
}

describe('PINSYNC_COLUMN_MISSING', () => {
  it('one column with a close match: the question ends the sentence', () => {
    const message = messageFor(['email'], ['mail', 'gaid']);
    expect(message).toContain('(it returns: mail, gaid); did you mean "mail"? Fix the key under identifiers');
    expect(message).not.toContain('?.');
  });

  it('without a close match the sentence ends with a full stop', () => {
    expect(messageFor(['email'], ['zzz'])).toContain('(it returns: zzz). Fix the key under identifiers');
  });
});

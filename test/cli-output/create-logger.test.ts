import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../cli/output/create-logger.js';
import { fakeStream } from './fake-stream.js';

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('createLogger', () => {
  it('writes JSON lines to the given stream, synchronously', () => {
    const out = fakeStream(false);
    const log = createLogger({ level: 'info', json: true, stream: out });
    log.info({ sync: 'vip' }, 'started');
    // Read right after the call: the line must already be written, not queued for a worker or a later tick.
    const line = out.written();
    const entry = JSON.parse(line) as Record<string, unknown>;
    expect(entry).toMatchObject({ msg: 'started', sync: 'vip', level: 30 });
  });

  it('redacts tokens at any depth and in bearer headers', () => {
    const out = fakeStream(false);
    const log = createLogger({ level: 'info', json: true, stream: out });
    log.warn(
      { destination: { auth: { accessToken: 'tok-123', clientSecret: 'cs-456' } }, headers: { authorization: 'Bearer tok-789' }, refreshToken: 'rt' },
      'refreshing with Bearer tok-000',
    );
    const text = out.written();
    for (const secret of ['tok-123', 'cs-456', 'tok-789', 'tok-000', '"rt"']) expect(text).not.toContain(secret);
    expect(text).toContain('[redacted]');
  });

  it('prints human-readable lines without colour on a non-TTY', () => {
    const out = fakeStream(false);
    const log = createLogger({ level: 'debug', stream: out });
    log.debug({ rows: 3 }, 'read batch');
    const text = out.written();
    expect(text).toMatch(/DEBUG.*read batch/);
    expect(text).toContain('rows: 3');
    expect(text).not.toContain('\u001b[');
  });

  it('takes the level from PINSYNC_LOG_LEVEL, then info; silent writes nothing', () => {
    const out = fakeStream(false);
    vi.stubEnv('PINSYNC_LOG_LEVEL', 'warn');
    const fromEnv = createLogger({ json: true, stream: out });
    fromEnv.info('hidden');
    fromEnv.warn('shown');
    vi.stubEnv('PINSYNC_LOG_LEVEL', '');
    createLogger({ json: true, stream: out }).debug('hidden too');
    createLogger({ level: 'silent', json: true, stream: out }).error('never');
    const text = out.written();
    expect(text).toContain('shown');
    expect(text).not.toMatch(/hidden|never/);
  });

  it('refuses an unknown level with a usage error', () => {
    expect(() => createLogger({ level: 'loud' })).toThrow(/unknown log level "loud"/);
  });
});

import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../cli/output/create-logger.js';
import { createProgress } from '../../cli/output/create-progress.js';
import type { Logger } from '../../core/logger.js';
import { fakeStream } from './fake-stream.js';

/** The lines a terminal would show for each redraw: split at carriage returns, cursor moves and newlines. */
function drawnLines(text: string): string[] {
  return text
    .split(/\r|\n|\u001b\[\d*G/)
    .map((l) => l.replace(/\u001b\[\d*K/g, '').trim())
    .filter((l) => l !== '');
}

function run(progress: ReturnType<typeof createProgress>): void {
  progress.start('reading query');
  progress.tick(10_000);
  progress.stop();
  progress.start('pushing', 20_000);
  progress.tick(10_000);
  progress.stop();
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('createProgress', () => {
  it('is a no-op on a non-TTY stream', () => {
    const stream = fakeStream(false);
    run(createProgress({ stream, enabled: true }));
    expect(stream.written()).toBe('');
  });

  it('is a no-op under CI and when disabled', () => {
    vi.stubEnv('CI', 'true');
    const ci = fakeStream(true);
    run(createProgress({ stream: ci }));
    expect(ci.written()).toBe('');
    const off = fakeStream(true);
    run(createProgress({ stream: off, enabled: false }));
    expect(off.written()).toBe('');
  });

  it('draws a running count for unknown totals and a bar for known ones, ending each on its own line', () => {
    vi.stubEnv('CI', '');
    const stream = fakeStream(true);
    run(createProgress({ stream }));
    const text = stream.written();
    expect(text).toMatch(/reading query, 10,000 rows, took \d+ ms/);
    expect(text).toMatch(/pushing \[=+-+\] 50% \| 10,000\/20,000/);
    expect(text).toContain('ETA');
    expect(text.endsWith('\n')).toBe(true);
    // No terminal modes that a crash could leave behind.
    expect(text).not.toMatch(/\u001b\[\?(7l|25l)|\u001b7/);
  });

  it('shows a spinner and elapsed time while a read reports no rows (DuckDB pushdown), never a frozen 0', async () => {
    vi.stubEnv('CI', '');
    const stream = fakeStream(true);
    const progress = createProgress({ stream });
    progress.start('people: reading');
    await new Promise((r) => setTimeout(r, 450));
    progress.stop();
    const frames = drawnLines(stream.written()).filter((l) => l.startsWith('people: reading'));
    const running = frames.slice(0, -1);
    expect(new Set(running.map((l) => l.split(' ')[2])).size).toBeGreaterThan(1); // the spinner turns
    for (const line of frames) expect(line).not.toMatch(/reading \S* ?0 \||\b0 rows/);
    expect(running.at(-1)).toMatch(/\d+ ms$/);
    // What stays in the scrollback: the phase and how long it took, no spinner and no count nobody measured.
    expect(frames.at(-1)).toMatch(/^people: reading, took \d+ ms$/);
  });

  it('adds rows and a rate to the spinner once rows are counted, and keeps them on the final line', () => {
    vi.stubEnv('CI', '');
    const stream = fakeStream(true);
    const progress = createProgress({ stream });
    progress.start('people: reading');
    progress.tick(12_345);
    progress.stop();
    const frames = drawnLines(stream.written()).filter((l) => l.startsWith('people: reading'));
    expect(frames.at(-1)).toMatch(/^people: reading, 12,345 rows, took \d+ ms$/);
  });

  it('keeps log lines off the bar line and redraws the bar below them', () => {
    vi.stubEnv('CI', '');
    const stream = fakeStream(true);
    const progress = createProgress({ stream });
    const log = createLogger({ level: 'info', stream, color: false });
    progress.start('pushing', 100);
    progress.tick(40);
    log.info('batch accepted');
    progress.stop();
    const text = stream.written();
    expect(text).toMatch(/\r\u001b\[2K\[[\d:]+\] INFO: batch accepted\n/);
    expect(text.slice(text.indexOf('batch accepted'))).toContain('pushing [');
  });

  it('tolerates stop without start, ticks after stop and a second start without stop', () => {
    vi.stubEnv('CI', '');
    const stream = fakeStream(true);
    const progress = createProgress({ stream });
    progress.stop();
    progress.start('a', 10);
    progress.start('b');
    progress.stop();
    progress.tick(5);
    progress.stop();
    expect(stream.written().match(/\n/g)).toHaveLength(2);
  });

  it('logs occasional lines instead of a bar when given a logger on a non-TTY', () => {
    const lines: string[] = [];
    const logger: Logger = { debug() {}, info: (_o, msg) => void lines.push(String(msg)), warn() {}, error() {} };
    const progress = createProgress({ stream: fakeStream(false), logger, logEveryMs: 0 });
    progress.start('pushing', 20_000);
    progress.tick(10_000);
    progress.stop();
    expect(lines[0]).toMatch(/^pushing: 10,000 of 20,000/);
    expect(lines.at(-1)).toMatch(/\(done\)$/);
  });
});

/**
 * The terminal progress display behind core's `Progress` seam: a cli-progress bar on stderr, only for a person
 * watching a TTY. In CI, pipes and files it is a no-op (an optional logger gets a line now and then instead), because
 * redrawn lines turn into thousands of lines of noise in a log file.
 */
import readline from 'node:readline';
import cliProgress from 'cli-progress';
import type { Logger, Progress } from '../../core/logger.js';
import { claimLiveLine } from './live-line.js';
import { formatCount, formatDuration } from './format-values.js';

/** Options for `createProgress`; all optional. */
export interface CreateProgressOptions {
  /** Where the bar is drawn. Default process.stderr. */
  stream?: NodeJS.WriteStream;
  /** false turns the bar off (`--no-progress`, `--json`); true draws it even under CI. It never draws on a non-TTY. */
  enabled?: boolean;
  /** When no bar is drawn, phases are summarised here (start, every `logEveryMs`, end) instead. */
  logger?: Logger;
  /** Interval between progress log lines when no bar is drawn. Default 30 s. */
  logEveryMs?: number;
}

/** True when `CI` is set to anything but an explicit false: CI providers set CI=true, some set CI=1. */
function isCi(): boolean {
  const ci = process.env.CI;
  return ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false';
}

export function createProgress(opts: CreateProgressOptions = {}): Progress {
  const stream = opts.stream ?? process.stderr;
  const drawable = stream.isTTY === true && (opts.enabled ?? !isCi());
  if (opts.enabled !== false && drawable) return new BarProgress(stream);
  if (opts.enabled !== false && opts.logger !== undefined) return new LoggedProgress(opts.logger, opts.logEveryMs ?? 30_000);
  return { start() {}, tick() {}, stop() {} };
}

/** Formats a phase for a known total: bar, percentage, counts, ETA. */
const KNOWN_TOTAL_FORMAT = '{phase} [{bar}] {percentage}% | {value}/{total} | {rate}/s | ETA {eta_formatted}';
/**
 * A phase of unknown size (reading a query) turns a spinner with the elapsed time, plus rows and rate once any are
 * counted: a DuckDB pushdown reports no rows until it is done, and a count stuck at 0 reads as a hang.
 */
const SPINNER = ['-', '\\', '|', '/'];

class BarProgress implements Progress {
  private bar: UnrefBar | undefined;
  private release: (() => void) | undefined;
  private value = 0;
  private counted = false;
  private stopping = false;
  private startedAt = 0;
  private readonly onExit = (): void => this.stop();

  constructor(private readonly stream: NodeJS.WriteStream) {}

  start(phase: string, total?: number): void {
    this.stop();
    const known = total !== undefined && total >= 0;
    this.value = 0;
    this.counted = false;
    this.stopping = false;
    this.startedAt = Date.now();
    const options: cliProgress.Options & { terminal: LineTerminal } = {
      stream: this.stream,
      terminal: new LineTerminal(this.stream),
      format: known ? KNOWN_TOTAL_FORMAT : (_options, _params, payload: { phase: string; rate: string }) => this.spinnerLine(payload),
      formatValue: (v, _options, type) => (type === 'value' || type === 'total' ? formatCount(Number(v)) : String(v)),
      barsize: 30,
      // Terminal modes (hidden cursor, no line wrap) that a crash could leave behind are not worth the polish.
      hideCursor: false,
      linewrap: true,
      // Redraw on every frame: a log line written above the bar erases it, and the next frame must bring it back.
      forceRedraw: true,
      // Not on SIGINT: cli-progress would install a listener that stops Ctrl-C from ending the process.
      gracefulExit: false,
      clearOnComplete: false,
      fps: 10,
      etaBuffer: 50,
    };
    const bar = new UnrefBar(options);
    this.bar = bar;
    this.release = claimLiveLine(this.stream, { redraw: () => bar.render() });
    // If the command throws past stop(), the bar must still end its line so the error prints on a clean one.
    process.once('exit', this.onExit);
    bar.start(known ? total : 0, 0, { phase, rate: '…' });
  }

  tick(delta: number): void {
    if (this.bar === undefined) return;
    this.value += delta;
    this.counted = true;
    this.bar.update(this.value, { rate: this.rate() });
  }

  stop(): void {
    const bar = this.bar;
    if (bar === undefined) return;
    this.bar = undefined;
    process.removeListener('exit', this.onExit);
    this.release?.();
    this.release = undefined;
    // The last frame is the one left in the scrollback: for an unknown size, what was measured and how long it took.
    this.stopping = true;
    bar.update(this.value, { rate: this.rate() });
    bar.stop();
  }

  /** `people: reading / 12,345 rows | 8,100/s | 1.5 s` while running; `people: reading, 12,345 rows, took 1.5 s` at the end. */
  private spinnerLine(payload: { phase: string; rate: string }): string {
    const elapsed = Date.now() - this.startedAt;
    const rows = this.counted ? [`${formatCount(this.value)} rows`] : [];
    if (this.stopping) return [payload.phase, ...rows, `took ${formatDuration(elapsed)}`].join(', ');
    const frame = SPINNER[Math.floor(elapsed / 100) % SPINNER.length]!;
    return `${payload.phase} ${frame} ${[...rows, ...(this.counted ? [`${payload.rate}/s`] : []), formatDuration(elapsed)].join(' | ')}`;
  }

  /** Rows or records per second, blank for the first half second where one batch would read as millions/s. */
  private rate(): string {
    const seconds = (Date.now() - this.startedAt) / 1000;
    return seconds < 0.5 ? '…' : formatCount(this.value / seconds);
  }
}

/**
 * cli-progress re-arms a redraw timer on every frame; a ref'd timer would keep the process alive if a failing
 * command never reached stop(). The timer field is internal, hence the narrow cast.
 */
class UnrefBar extends cliProgress.SingleBar {
  override render(): void {
    super.render();
    (this as unknown as { timer?: NodeJS.Timeout | null }).timer?.unref?.();
  }
}

/**
 * The terminal cli-progress draws through (its `terminal` option). Unlike the built-in one it never saves and
 * restores the absolute cursor position: log lines written above the bar scroll the screen, and restoring a stale
 * position on stop would make the next output overwrite those logs. Only the current line is ever touched.
 */
class LineTerminal {
  constructor(private readonly stream: NodeJS.WriteStream) {}
  cursorSave(): void {}
  cursorRestore(): void {}
  cursor(): void {}
  lineWrapping(): void {}
  cursorTo(x: number | null): void {
    readline.cursorTo(this.stream, x ?? 0);
  }
  clearRight(): void {
    readline.clearLine(this.stream, 1);
  }
  clearLine(): void {
    readline.clearLine(this.stream, 0);
  }
  newline(): void {
    this.stream.write('\n');
  }
  write(text: string): void {
    // One column short of the width: a line that reaches the last column wraps on some terminals, and a wrapped
    // bar can no longer be redrawn in place with a carriage return.
    this.stream.write(text.slice(0, Math.max(1, this.getWidth() - 1)));
  }
  isTTY(): boolean {
    return this.stream.isTTY === true;
  }
  getWidth(): number {
    return this.stream.columns || 80;
  }
}

/** Occasional log lines for cron and CI, where a bar cannot be drawn but a 20-minute silence looks like a hang. */
class LoggedProgress implements Progress {
  private phase: string | undefined;
  private total: number | undefined;
  private value = 0;
  private startedAt = 0;
  private lastLogAt = 0;
  private logged = false;

  constructor(
    private readonly logger: Logger,
    private readonly everyMs: number,
  ) {}

  start(phase: string, total?: number): void {
    this.stop();
    this.phase = phase;
    this.total = total;
    this.value = 0;
    this.startedAt = this.lastLogAt = Date.now();
    this.logged = false;
  }

  tick(delta: number): void {
    if (this.phase === undefined) return;
    this.value += delta;
    const now = Date.now();
    if (now - this.lastLogAt < this.everyMs) return;
    this.lastLogAt = now;
    this.logged = true;
    this.logger.info({ phase: this.phase, done: this.value, total: this.total }, this.describe(now));
  }

  stop(): void {
    if (this.phase === undefined) return;
    // Only long phases get a closing line; a 2-second phase already has its own log lines from core.
    if (this.logged) {
      this.logger.info({ phase: this.phase, done: this.value, total: this.total }, `${this.describe(Date.now())} (done)`);
    }
    this.phase = undefined;
  }

  private describe(now: number): string {
    const elapsed = now - this.startedAt;
    const rate = elapsed > 0 ? Math.round((this.value * 1000) / elapsed) : 0;
    const of = this.total === undefined ? '' : ` of ${formatCount(this.total)}`;
    return `${this.phase}: ${formatCount(this.value)}${of}, ${formatCount(rate)}/s, ${formatDuration(elapsed)}`;
  }
}

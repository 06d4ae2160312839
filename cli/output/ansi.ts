/**
 * Minimal ANSI styling for reports. Colour is decided once by the caller (TTY, NO_COLOR, --no-color) and passed in,
 * so renderers stay pure and their output is byte-identical in tests and pipes.
 */

/** Styling functions; each returns its input unchanged when colour is off. */
export interface Palette {
  /** Additions and success. */
  green(text: string): string;
  /** Removals and errors. */
  red(text: string): string;
  /** Warnings and guardrails. */
  yellow(text: string): string;
  /** Headers. */
  bold(text: string): string;
  /** Secondary detail (labels, hints). */
  dim(text: string): string;
}

function wrap(open: number, close: number): (text: string) => string {
  return (text) => (text === '' ? text : `\u001b[${open}m${text}\u001b[${close}m`);
}

const identity = (text: string): string => text;

/**
 * Whether output to `stream` may be coloured: only a terminal, and never when NO_COLOR is set to anything but the
 * empty string (https://no-color.org). Pipes, files and CI logs get plain text.
 */
export function colorAllowed(stream: NodeJS.WritableStream, env: NodeJS.ProcessEnv): boolean {
  return (stream as { isTTY?: boolean }).isTTY === true && (env.NO_COLOR ?? '') === '';
}

export function createPalette(color: boolean): Palette {
  if (!color) return { green: identity, red: identity, yellow: identity, bold: identity, dim: identity };
  return { green: wrap(32, 39), red: wrap(31, 39), yellow: wrap(33, 39), bold: wrap(1, 22), dim: wrap(2, 22) };
}

const ANSI_PATTERN = /\u001b\[[0-9;]*m/g;

/** Length of `text` as the terminal shows it: alignment must ignore escape codes. */
export function visibleLength(text: string): number {
  return text.replace(ANSI_PATTERN, '').length;
}

/** Removes colour codes, e.g. before measuring or writing to a file. */
export function stripAnsi(text: string): string {
  return text.replace(ANSI_PATTERN, '');
}

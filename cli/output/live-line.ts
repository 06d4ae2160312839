/**
 * Logs and the progress bar share stderr. A log line written while a bar is drawn would be glued onto the bar's
 * line; instead the logger asks here, clears the bar's line, writes, and the bar draws itself again underneath.
 */

/** A line that is redrawn in place (a progress bar) on some stream. */
export interface LiveLine {
  /** Draws the line again after something was written above it. */
  redraw(): void;
}

const active = new WeakMap<object, LiveLine>();

/** Marks `line` as drawn on `stream` until `release` is called. */
export function claimLiveLine(stream: object, line: LiveLine): () => void {
  active.set(stream, line);
  return () => {
    if (active.get(stream) === line) active.delete(stream);
  };
}

/** Writes `text` (whole lines) to `stream`, above the live line if one is drawn there. */
export function writeAboveLiveLine(stream: NodeJS.WritableStream, text: string): void {
  const line = active.get(stream);
  if (line === undefined) {
    stream.write(text);
    return;
  }
  // Carriage return + erase line: the bar's partial line goes away and the log starts at column 0.
  stream.write(`\r\u001b[2K${text}`);
  line.redraw();
}

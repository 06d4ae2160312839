/** The process surface the CLI touches, injectable so tests and the demo can run commands in-process. */
export interface CliIo {
  /** Reports go here. */
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  /** Logs and progress go here. */
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  /** Environment for `${VAR}` interpolation. */
  env: NodeJS.ProcessEnv;
  /** Folder relative `-c` paths resolve against. */
  cwd: string;
  /** Where `-c -` reads the config from; absent (or a terminal) means there is none to read. */
  stdin?: NodeJS.ReadableStream & { isTTY?: boolean };
  /** Aborted on SIGINT/SIGTERM: runs stop between batches. */
  signal?: AbortSignal;
}

export function processIo(signal?: AbortSignal): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    // A getter: touching process.stdin opens it, which only `-c -` needs.
    get stdin() {
      return process.stdin;
    },
    env: process.env,
    cwd: process.cwd(),
    signal,
  };
}

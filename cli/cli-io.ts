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
  /** Aborted on SIGINT/SIGTERM: runs stop between batches. */
  signal?: AbortSignal;
}

export function processIo(signal?: AbortSignal): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd(), signal };
}

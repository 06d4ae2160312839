/** Runs the `pinsync` CLI in this process with captured streams, as a user at a terminal would see it. */
import { PassThrough } from 'node:stream';
import { main } from '../../cli/pinsync.js';

export interface CliResult {
  /** Exit code. */
  code: number;
  /** What went to stdout (the report). */
  stdout: string;
  /** What went to stderr (logs, errors). */
  stderr: string;
}

export async function runCli(
  args: string[],
  opts: { env: Record<string, string>; cwd: string; stdin?: NodeJS.ReadableStream & { isTTY?: boolean } },
): Promise<CliResult> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on('data', (d: Buffer) => out.push(d));
  stderr.on('data', (d: Buffer) => err.push(d));
  const code = await main(args, { stdout, stderr, env: opts.env, cwd: opts.cwd, stdin: opts.stdin });
  return { code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
}

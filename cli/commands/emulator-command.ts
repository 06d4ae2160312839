/** `pinsync emulator`: a local Pinterest API v5 emulator in the foreground until Ctrl-C. */
import { resolve } from 'node:path';
import { EXIT } from '../../core/errors.js';
import { runEmulatorFromCli } from '../../connectors/pinterest/emulator/run-emulator-cli.js';
import type { Argv } from 'yargs';
import type { CliIo } from '../cli-io.js';

/** The emulator's command-line options. */
export function configureEmulatorOptions<T>(y: Argv<T>) {
  return y
    .option('port', { type: 'number', default: 8787, describe: 'port on 127.0.0.1 (0 = any free port)' })
    .option('host', { type: 'string', default: '127.0.0.1', describe: 'address to listen on' })
    .option('data', { type: 'string', describe: 'JSON file that keeps the emulator state across restarts' });
}

export async function emulatorCommand(args: { port: number; host: string; data: string | undefined }, io: CliIo): Promise<number> {
  try {
    return await runEmulatorFromCli({
      port: args.port,
      host: args.host,
      dataFile: args.data === undefined ? undefined : resolve(io.cwd, args.data),
      stdout: io.stdout,
      stderr: io.stderr,
      signal: io.signal,
    });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const message = code === 'EADDRINUSE' ? `port ${args.port} is already in use; pick another with --port` : err instanceof Error ? err.message : String(err);
    io.stderr.write(`pinsync emulator: ${message}\n`);
    return EXIT.usage;
  }
}

/**
 * Where the config comes from: the file `-c/--config` names, else `$PINSYNC_CONFIG` (an image or a CronJob sets it
 * once), else ./pinsync.yaml. `-` means stdin, for a config a job runner pipes in (a mounted Secret, a CI step that
 * renders it); relative paths in such a config resolve against the working directory, having no file to be next to.
 */
import { resolve } from 'node:path';
import { type LoadConfigOptions, type LoadedConfig, loadConfig, parseConfigText } from '../core/config/load-config.js';
import { ConfigError, UsageError } from '../core/errors.js';
import type { CliIo } from './cli-io.js';

/** The `-c` value that reads the config from stdin. */
export const STDIN_CONFIG = '-';

/** `-c` when neither it nor `$PINSYNC_CONFIG` is given (relative to the working directory). */
const DEFAULT_CONFIG_ARG = 'pinsync.yaml';

/** The `-c/--config` option, for every command that reads the config. */
export function configOption(io: CliIo) {
  return {
    alias: 'c',
    type: 'string' as const,
    // A variable set to nothing (`PINSYNC_CONFIG=` in a manifest) means unset, as `${VAR:-default}` would.
    default: io.env.PINSYNC_CONFIG?.trim() || DEFAULT_CONFIG_ARG,
    defaultDescription: `$PINSYNC_CONFIG, else ${DEFAULT_CONFIG_ARG}`,
    describe:
      'config file; relative paths in it resolve against its folder. "-" reads it from stdin (relative paths then resolve against the working directory)',
  };
}

/** How messages name the config `-c` points at. */
export function configLabel(configArg: string): string {
  return configArg === STDIN_CONFIG ? 'stdin' : configArg;
}

/** Loads the config `-c` (or its default) names; `command` is the command line a usage hint repeats (`auth status`). */
export async function loadCliConfig(configArg: string, io: CliIo, command: string, opts: LoadConfigOptions = {}): Promise<LoadedConfig> {
  if (configArg !== STDIN_CONFIG) return loadConfig(resolve(io.cwd, configArg), io.env, opts);
  const text = await readStdin(io, command);
  return parseConfigText(text, { env: io.env, configDir: io.cwd, label: configLabel(configArg), deferCredentials: opts.deferCredentials });
}

async function readStdin(io: CliIo, command: string): Promise<string> {
  const stdin = io.stdin;
  // Nobody is going to type a config: waiting would hang a job until its deadline.
  if (stdin === undefined || stdin.isTTY) {
    const fromEnv = io.env.PINSYNC_CONFIG?.trim() === STDIN_CONFIG ? ' (PINSYNC_CONFIG is "-")' : '';
    throw new UsageError(
      `-c - reads the config from stdin, but stdin is ${stdin === undefined ? 'not available' : 'a terminal'}${fromEnv}: ` +
        `pipe the config in (pinsync ${command} -c - < pinsync.yaml) or pass -c FILE`,
    );
  }
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  } catch (err) {
    const message = `cannot read the config from stdin: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}; pipe a file in or pass -c FILE`;
    throw new ConfigError(message, [{ path: '', message }]);
  }
  return Buffer.concat(chunks).toString('utf8');
}

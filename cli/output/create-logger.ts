/**
 * The CLI's logger: pino to stderr (stdout carries the report). Human-readable via pino-pretty's formatter called
 * in-process, not as a transport: a worker thread would keep the process alive and could lose the last lines on
 * exit, and cron jobs need exactly the lines that explain a failure.
 */
import pino, { type DestinationStream, type LevelWithSilent } from 'pino';
import { prettyFactory } from 'pino-pretty';
import { UsageError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import { colorAllowed } from './ansi.js';
import { writeAboveLiveLine } from './live-line.js';

/** Options for `createLogger`; all optional. */
export interface CreateLoggerOptions {
  /** trace | debug | info | warn | error | fatal | silent. Default: env PINSYNC_LOG_LEVEL, else info. */
  level?: string;
  /** JSON lines instead of human-readable output (log shippers, `--json`). Default false. */
  json?: boolean;
  /** Where logs go. Default process.stderr. */
  stream?: NodeJS.WritableStream;
  /** Colour the human-readable output. Default: the stream is a TTY and NO_COLOR is unset or empty. */
  color?: boolean;
}

const LEVELS: readonly LevelWithSilent[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

/** Keys that may hold credentials anywhere a config, request or error object could put them. */
const SECRET_KEYS = [
  'accessToken',
  'refreshToken',
  'clientSecret',
  'password',
  'authorization',
  'Authorization',
  'access_token',
  'refresh_token',
  'client_secret',
  'privateKey',
  'privateKeyPass',
  'privateKeyPassphrase',
  'token',
  'apiKey',
  'credentials',
  'connectionString',
];

/**
 * pino's redaction has no recursive wildcard, so each key is listed at the depths objects actually reach
 * (`auth.accessToken`, `destination.auth.accessToken`, `req.headers.authorization`).
 */
export const REDACT_PATHS: readonly string[] = SECRET_KEYS.flatMap((key) => [key, `*.${key}`, `*.*.${key}`, `*.*.*.${key}`]);

export const REDACTED = '[redacted]';

/** Bearer tokens pasted into a message string escape key-based redaction. */
const BEARER = /\b(Bearer\s+)[A-Za-z0-9._~+/=-]+/gi;

export function createLogger(opts: CreateLoggerOptions = {}): Logger & { flush?(): void } {
  const level = resolveLevel(opts.level ?? process.env.PINSYNC_LOG_LEVEL);
  const stream = opts.stream ?? process.stderr;
  const color = opts.color ?? colorAllowed(stream, process.env);

  const prettify = opts.json
    ? undefined
    : prettyFactory({ colorize: color, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname', singleLine: false });

  // A plain object with a synchronous write: pino hands us each line as it is logged and it is written before the
  // log call returns, so nothing is buffered when the process exits (or is killed right after an error).
  const destination: DestinationStream = {
    write(line: string) {
      writeAboveLiveLine(stream, prettify === undefined ? line : prettify(line));
    },
  };

  const logger = pino(
    {
      level,
      redact: { paths: [...REDACT_PATHS], censor: REDACTED },
      hooks: {
        logMethod(args, method) {
          const scrubbed = args.map((a) => (typeof a === 'string' ? a.replace(BEARER, `$1${REDACTED}`) : a));
          method.apply(this, scrubbed as Parameters<typeof method>);
        },
      },
    },
    destination,
  );
  return logger;
}

function resolveLevel(raw: string | undefined): LevelWithSilent {
  const level = (raw ?? '').trim().toLowerCase();
  if (level === '') return 'info';
  if ((LEVELS as readonly string[]).includes(level)) return level as LevelWithSilent;
  throw new UsageError(`unknown log level "${raw}": use one of ${LEVELS.join(', ')}`);
}


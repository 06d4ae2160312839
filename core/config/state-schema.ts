/**
 * `state:` says where run history, locks, tokens and acknowledged memberships live. It is written as one string
 * (`duckdb:PATH`, a bare `*.duckdb` path, or a `postgres://` URL) because that is what fits on one line of YAML and
 * in one environment variable; the schema parses it into a tagged location. Without `state:` in the config,
 * PINSYNC_STATE supplies the whole value (a CronJob or CI runner keeps the database URL in its secrets), then the
 * default file.
 */
import { z } from 'zod';
import { blankToUndefined, isPostgresUrl } from './config-fields.js';

/** Used when `state:` is absent or empty. */
export const DEFAULT_STATE = 'duckdb:.pinsync/state.duckdb';

const STATE_FORMS =
  'must be duckdb:PATH (e.g. duckdb:.pinsync/state.duckdb), a path ending in .duckdb, or postgres://user@host:5432/db?schema=pinsync ' +
  '(set in the config or in PINSYNC_STATE)';

/** The parsed form of `state:`. */
export const stateLocationSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('duckdb'), path: z.string().min(1) }),
  z.strictObject({ kind: z.literal('postgres'), url: z.string() }),
]);

export const stateSchema = z.preprocess(
  blankToUndefined,
  z
    .string({ error: STATE_FORMS })
    // Read when the config is validated, so a value exported by the job's environment applies to every command.
    .default(() => process.env.PINSYNC_STATE?.trim() || DEFAULT_STATE)
    .transform((value, ctx) => {
      const location = parseStateLocation(value);
      if (location) return location;
      // The value itself is not echoed: it may be a URL with a password in it.
      ctx.addIssue({ code: 'custom', message: STATE_FORMS });
      return z.NEVER;
    })
    .pipe(stateLocationSchema),
);

/** Where state lives: `{kind: 'duckdb', path}` (relative paths resolve against the config folder) or `{kind: 'postgres', url}`. */
export type StateLocation = z.output<typeof stateLocationSchema>;

function parseStateLocation(value: string): StateLocation | undefined {
  const text = value.trim();
  if (/^postgres(ql)?:/i.test(text)) return isPostgresUrl(text) ? { kind: 'postgres', url: text } : undefined;
  if (text.toLowerCase().startsWith('duckdb:')) {
    const path = text.slice('duckdb:'.length);
    return path === '' ? undefined : { kind: 'duckdb', path };
  }
  if (/\.duckdb$/i.test(text)) return { kind: 'duckdb', path: text };
  return undefined;
}

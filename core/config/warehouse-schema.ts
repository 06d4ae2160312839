/**
 * `warehouses.<name>`: one entry per connection, tagged by `type`. Only what the connectors need to connect and to
 * bound a query's cost is here; which SQL to run belongs to the sync.
 */
import { z } from 'zod';
import {
  ALWAYS,
  boolean,
  httpUrl,
  int,
  isPostgresUrl,
  isRecord,
  isSet,
  numeric,
  optionalDigitId,
  optionalText,
  requiredText,
  text,
  type IssueSink,
} from './config-fields.js';

/** The value DuckDB uses for a database that lives only in memory (the query can still read CSV/Parquet files). */
export const DUCKDB_IN_MEMORY = ':memory:';

/** A warehouse-side SQL identifier: a schema pinsync creates or is granted, quoted by pinsync wherever it is used. */
const PLANNER_SCHEMA_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** `planner: { schema }`: the schema that holds the membership and the delta tables of `diff: warehouse` syncs. */
export const plannerSchema = z.strictObject(
  {
    schema: text(z.string().regex(PLANNER_SCHEMA_PATTERN, { error: 'must be a schema name: letters, digits and _, at most 63, not starting with a digit' })),
  },
  { error: 'must be a mapping such as { schema: pinsync }' },
);

const PLANNER_NOT_YET = 'planner (diff: warehouse) is only supported on Postgres warehouses for now';

// On the other engines `planner` gets its own message instead of "unknown key" (which would also list it as allowed,
// were it a key of their schemas); it is taken out so the rest of the entry is still checked.
function plannerOnPostgresOnly(value: unknown, ctx: { addIssue(issue: { code: 'custom'; path: PropertyKey[]; message: string; input: unknown }): void }): unknown {
  if (!isRecord(value) || value.type === 'postgres' || !('planner' in value)) return value;
  const { planner, ...rest } = value;
  ctx.addIssue({ code: 'custom', path: ['planner'], message: PLANNER_NOT_YET, input: planner });
  return rest;
}

export const duckDbWarehouseSchema = z.strictObject({
  type: z.literal('duckdb'),
  path: requiredText(),
  // Where relative file paths inside the query (`read_csv('people.csv')`) are looked up first; default: the config
  // file's folder, so a cron job reads the same files whatever directory it starts in.
  fileSearchPath: optionalText(),
  threads: numeric(int(1, 1024).optional()),
  memoryLimit: text(
    z
      .string()
      .regex(/^\s*\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)\s*$/i, { error: 'must be a size such as 512MB or 4GiB' })
      .optional(),
  ),
});

const postgresSslSchema = z.union(
  [
    boolean(z.boolean()),
    z.strictObject({
      rejectUnauthorized: boolean(z.boolean().optional()),
      caPath: optionalText(),
      certPath: optionalText(),
      keyPath: optionalText(),
    }),
  ],
  { error: 'must be true, false or {rejectUnauthorized, caPath, certPath, keyPath}' },
);

export const postgresWarehouseSchema = z
  .strictObject({
    type: z.literal('postgres'),
    url: text(z.string().refine(isPostgresUrl, { error: 'must be a postgres:// or postgresql:// URL' }).optional()),
    host: optionalText(),
    port: numeric(int(1, 65535).optional()),
    database: optionalText(),
    user: optionalText(),
    password: optionalText(),
    ssl: postgresSslSchema.optional(),
    statementTimeoutMs: numeric(int(1).optional()),
    // Rows per FETCH (default: the batch). Redshift defaults to 1,000, the most its single-node clusters accept;
    // multi-node clusters may go higher.
    maxFetchRows: numeric(int(1).optional()),
    connectTimeoutMs: numeric(int(1).optional()),
    applicationName: optionalText(),
    // Where `diff: warehouse` syncs keep their membership and run their diff (connectors/warehouses/postgres/planner).
    planner: plannerSchema.optional(),
  })
  .superRefine(checkPostgresTarget, ALWAYS);

// `user`/`password` may accompany `url` (pg lets explicit fields override it, which keeps a password out of the URL),
// but `url` and `host` both naming a server is ambiguous.
function checkPostgresTarget(value: unknown, ctx: IssueSink): void {
  if (!isRecord(value)) return;
  if (isSet(value.url) && isSet(value.host)) {
    ctx.addIssue({ code: 'custom', path: ['host'], message: 'set either url or host, not both' });
  } else if (!isSet(value.url) && !isSet(value.host)) {
    ctx.addIssue({ code: 'custom', path: ['url'], message: 'required: set url (postgres://…) or host/port/database/user/password' });
  }
}

// An inline service-account key arrives as a JSON string from an environment variable, or as a YAML mapping.
const bigQueryCredentialsSchema = z.preprocess(
  (value, ctx) => {
    if (typeof value !== 'string') return value;
    if (value.trim() === '') return undefined;
    try {
      return JSON.parse(value) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be a JSON object (a service-account key) or a YAML mapping' });
      return z.NEVER;
    }
  },
  z.record(z.string(), z.unknown(), { error: 'must be a JSON object (a service-account key) or a YAML mapping' }).optional(),
);

export const bigQueryWarehouseSchema = z
  .strictObject({
    type: z.literal('bigquery'),
    projectId: requiredText(),
    location: optionalText(),
    keyFilename: optionalText(),
    credentials: bigQueryCredentialsSchema,
    // Digits rather than a number: the API takes an int64 string and the limit may exceed 2^53.
    maximumBytesBilled: optionalDigitId(19),
    apiEndpoint: text(httpUrl().optional()),
    // BigQuery's own job deadline (jobTimeoutMs) and pinsync's, after which the job is cancelled. Default 2 hours.
    jobTimeoutMs: numeric(int(1).optional()),
    // HTTP-level retries inside the client (429, 5xx); 0 turns them off. Default: the client's 3.
    maxRetries: numeric(int(0, 10).optional()),
    // Re-runs, each as a new job, of a job that failed for a transient reason (backendError...). Default 3.
    jobRetries: numeric(int(0, 10).optional()),
    // `dataset` or `project.dataset` that receives results too large for BigQuery's anonymous table (responseTooLarge).
    resultsDataset: text(
      z
        .string()
        .regex(/^(?:[a-z][a-z0-9.:-]*[a-z0-9]\.)?\w{1,1024}$/, { error: 'must be a dataset id (letters, digits, _), optionally after a project id and a dot' })
        .optional(),
    ),
    })
  .superRefine((value: unknown, ctx) => {
    if (isRecord(value) && isSet(value.keyFilename) && isSet(value.credentials)) {
      ctx.addIssue({ code: 'custom', path: ['credentials'], message: 'set either keyFilename or credentials, not both' });
    }
  }, ALWAYS);

export const snowflakeWarehouseSchema = z
  .strictObject({
    type: z.literal('snowflake'),
    account: text(
      z.string().refine((v) => !/snowflakecomputing\.com|:\/\//i.test(v), {
        error: 'must be the account identifier (e.g. xy12345 or myorg-myaccount), not a URL; use accessUrl for a custom endpoint',
      }),
    ),
    username: requiredText(),
    password: optionalText(),
    privateKeyPath: optionalText(),
    privateKey: text(
      z
        .string()
        .refine((v) => /-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(v), {
          error: 'must be a PEM private key (-----BEGIN PRIVATE KEY-----…); for a key file use privateKeyPath',
        })
        .optional(),
    ),
    privateKeyPassphrase: optionalText(),
    warehouse: requiredText(),
    database: requiredText(),
    schema: requiredText(),
    role: optionalText(),
    accessUrl: text(httpUrl().optional()),
    statementTimeoutSeconds: numeric(int(1).optional()),
    // Login attempts after the first on network errors; the SDK's default is 7, with backoff.
    loginRetries: numeric(int(0, 20).optional()),
    })
  .superRefine(checkSnowflakeAuth, ALWAYS);

function checkSnowflakeAuth(value: unknown, ctx: IssueSink): void {
  if (!isRecord(value)) return;
  const methods = (['password', 'privateKeyPath', 'privateKey'] as const).filter((k) => isSet(value[k]));
  if (methods.length === 0) {
    ctx.addIssue({ code: 'custom', path: ['password'], message: 'required: set one of password, privateKeyPath or privateKey' });
  } else if (methods.length > 1) {
    ctx.addIssue({ code: 'custom', path: [methods[1]!], message: `set only one of password, privateKeyPath or privateKey (found ${methods.join(', ')})` });
  }
  if (isSet(value.privateKeyPassphrase) && !isSet(value.privateKeyPath) && !isSet(value.privateKey)) {
    ctx.addIssue({ code: 'custom', path: ['privateKeyPassphrase'], message: 'only applies with privateKeyPath or privateKey' });
  }
}

export const warehouseSchema = z.preprocess(
  plannerOnPostgresOnly,
  z.discriminatedUnion('type', [duckDbWarehouseSchema, postgresWarehouseSchema, bigQueryWarehouseSchema, snowflakeWarehouseSchema]),
);

/** Any `warehouses.<name>` entry, after validation. */
export type WarehouseConfig = z.output<typeof warehouseSchema>;
/** `type: duckdb`: a database file (or `:memory:`). */
export type DuckDbWarehouseConfig = z.output<typeof duckDbWarehouseSchema>;
/** `type: postgres` (also Redshift): a `url`, or `host`/`port`/`database`/`user`/`password`. */
export type PostgresWarehouseConfig = z.output<typeof postgresWarehouseSchema>;
/** `type: bigquery`: a project, with a key file, inline credentials, or Application Default Credentials. */
export type BigQueryWarehouseConfig = z.output<typeof bigQueryWarehouseSchema>;
/** `planner:` of a Postgres warehouse. */
export type PlannerConfig = z.output<typeof plannerSchema>;
/** `type: snowflake`: an account with password or key-pair authentication. */
export type SnowflakeWarehouseConfig = z.output<typeof snowflakeWarehouseSchema>;

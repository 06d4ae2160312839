/**
 * `syncs[]`: one SQL source, the columns that hold identifiers, and the audience they feed. One sync is one
 * customer list and one audience on Pinterest (DESIGN §2).
 */
import { z } from 'zod';
import { checkScheduleFields } from '../schedule/check-schedule.js';
import { IDENTIFIER_TYPE_ALIASES, IDENTIFIER_TYPES, type IdentifierType } from '../identifier-types.js';
import { ALWAYS, boolean, int, isRecord, isSet, num, numeric, optionalDigitId, optionalText, requiredText, text, type IssueSink } from './config-fields.js';
import { checkSegmentFields, segmentsSchema, withSegmentAudience } from '../fan-out/segments-schema.js';

/** What a sync name may look like: it names state rows and appears in commands (`--sync NAME`). */
export const SYNC_NAME_PATTERN = /^[a-z0-9_]+$/;

// `table` is pasted into `SELECT * FROM <table>`, so it must be an identifier path and nothing else: one to three
// parts, each a plain identifier or a double-/back-quoted one (BigQuery projects with dashes need backticks).
const TABLE_PART = String.raw`(?:[A-Za-z_][A-Za-z0-9_$]*|"(?:[^"]|"")+"|` + '`[^`]+`)';
/** A dotted SQL identifier such as `analytics.vip_customers`. */
export const TABLE_PATTERN = new RegExp(`^${TABLE_PART}(?:\\.${TABLE_PART}){0,2}$`);

/** Where a sync's diff runs (`syncs[].diff`). */
export const DIFF_MODES = ['state', 'warehouse'] as const;

/** A dbt model as `ref()` names it: `name`, or `package.name` when two packages define the name. */
const MODEL_PATTERN = /^[A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)?$/;

/** Sync tags: no spaces, commas or colons, which `--select tag:T` syntax gives a meaning. */
const TAG_PATTERN = /^[A-Za-z0-9_.-]+$/;

const VALID_TYPES_TEXT = `${IDENTIFIER_TYPES.join(', ')}, or the aliases ${Object.entries(IDENTIFIER_TYPE_ALIASES)
  .map(([alias, type]) => `${alias} (= ${type})`)
  .join(', ')}`;

/** Maps a written identifier type (any case, aliases allowed) to its canonical name. */
export function toIdentifierType(written: string): IdentifierType | undefined {
  const key = written.trim().toLowerCase();
  return (IDENTIFIER_TYPES as readonly string[]).includes(key) ? (key as IdentifierType) : IDENTIFIER_TYPE_ALIASES[key];
}

const identifierTypeSchema = z.string({ error: `must be an identifier type: ${VALID_TYPES_TEXT}` }).transform((written, ctx) => {
  const type = toIdentifierType(written);
  if (type) return type;
  ctx.addIssue({ code: 'custom', message: `unknown identifier type "${written.slice(0, 40)}"; valid types: ${VALID_TYPES_TEXT}` });
  return z.NEVER;
});

export const audienceSchema = z
  .strictObject({
    name: text(z.string().max(200, { error: 'must be at most 200 characters' })),
    description: optionalText(),
    customerListId: optionalDigitId(20),
    audienceId: optionalDigitId(20),
  })
  .superRefine((value: unknown, ctx) => {
    if (isRecord(value) && isSet(value.audienceId) && !isSet(value.customerListId)) {
      ctx.addIssue({
        code: 'custom',
        path: ['audienceId'],
        message: 'requires customerListId: an adopted audience must come with the customer list it is built on',
      });
    }
  }, ALWAYS);

export const guardrailsSchema = z
  .strictObject({
    maxRemovePercent: numeric(num(0, 100).default(20)),
    allowEmptySource: boolean(z.boolean().default(false)),
  })
  .prefault({});

// A segment sync's list names come from segments.name (core/fan-out/segments-schema.ts), filled in before parsing.
export const syncSchema = z.preprocess(
  withSegmentAudience,
  z
  .strictObject({
    name: z.string().regex(SYNC_NAME_PATTERN, { error: 'must match [a-z0-9_]+ (lowercase letters, digits, underscore)' }).max(100),
    warehouse: requiredText(),
    destination: optionalText(),
    query: optionalText(),
    table: text(
      z
        .string()
        .regex(TABLE_PATTERN, { error: 'must be a table name such as analytics.vip_customers (use query for anything else)' })
        .optional(),
    ),
    // A dbt model, resolved through the manifest to the relation dbt built (core/dbt/resolve-models.ts).
    model: text(
      z
        .string()
        .regex(MODEL_PATTERN, { error: 'must name a dbt model: model_name, or package_name.model_name' })
        .optional(),
    ),
    // For `--select tag:T` (and the exposures' tags).
    tags: z
      .array(z.string().regex(TAG_PATTERN, { error: 'tags may contain only letters, digits, _, . and -' }), { error: 'must be a list of tags, e.g. [crm, daily]' })
      .default([]),
    identifiers: z
      .record(z.string().min(1, { error: 'column names must not be empty' }), identifierTypeSchema, {
        error: `must map result columns to identifier types, e.g. {email: email}; types: ${VALID_TYPES_TEXT}`,
      })
      .refine((map: unknown) => !isRecord(map) || Object.keys(map).length > 0, {
        error: 'must map at least one result column to an identifier type, e.g. {email: email}',
        when: () => true,
      }),
    audience: audienceSchema,
    guardrails: guardrailsSchema,
    // Rows per warehouse read batch: bounds the memory a batch takes, not what is sent to Pinterest.
    batchSize: numeric(int(1, 1_000_000).default(50_000)),
    // When `pinsync schedule` and `sync --if-due` run it: cron, 5 fields or 6 with seconds first (core/schedule).
    schedule: optionalText(),
    // IANA zone the schedule is read in (default: the machine's); only with schedule.
    timezone: optionalText(),
    // Where the diff runs: `state` (hashes stream into pinsync, diffed in the state engine) or `warehouse` (normalized,
    // hashed and diffed in the warehouse's planner schema; only the changed hashes leave it).
    diff: z.enum(DIFF_MODES, { error: `must be one of ${DIFF_MODES.join(', ')}` }).default('state'),
    // Explicit actions: rows say add or remove in this column, sent as such instead of a diff against the whole
    // result (core/explicit-actions.ts).
    actions: z.strictObject({ column: requiredText() }, { error: 'must be { column: <result column holding add or remove> }' }).optional(),
    // Fan-out: one list and audience per distinct value of a column (core/fan-out/).
    segments: segmentsSchema.optional(),
  })
  .superRefine(checkSource, ALWAYS)
  .superRefine(checkActions, ALWAYS)
  .superRefine(checkScheduleFields, ALWAYS)
  .superRefine(checkSegmentFields, ALWAYS),
);

// The action column says what to do with a row; read as an identifier too, it would be hashed and sent.
function checkActions(value: unknown, ctx: IssueSink): void {
  if (!isRecord(value) || !isRecord(value.actions) || typeof value.actions.column !== 'string') return;
  const column = value.actions.column;
  if (isRecord(value.identifiers) && Object.keys(value.identifiers).some((c) => c.toLowerCase() === column.toLowerCase())) {
    ctx.addIssue({ code: 'custom', path: ['actions', 'column'], message: `column ${column} is mapped under identifiers; the action column must be another column` });
  }
  if (value.diff === 'warehouse') {
    ctx.addIssue({ code: 'custom', path: ['actions'], message: 'explicit actions are diffed in the state (diff: state), not with diff: warehouse' });
  }
  if (isSet(value.segments)) {
    ctx.addIssue({ code: 'custom', path: ['actions'], message: 'explicit actions do not combine with segments yet: one sync per segment can use actions' });
  }
}

// Exactly one source: two would leave it unclear which one the audience follows.
function checkSource(value: unknown, ctx: IssueSink): void {
  if (!isRecord(value)) return;
  const given = (['query', 'table', 'model'] as const).filter((key) => isSet(value[key]));
  if (given.length > 1) {
    const message = given.join() === 'query,table' ? 'set either query or table, not both' : `set only one of query, table or model (this sync sets ${given.join(' and ')})`;
    ctx.addIssue({ code: 'custom', path: [given[1]!], message });
  }
  if (given.length === 0) {
    ctx.addIssue({ code: 'custom', path: ['query'], message: 'required: set query (SQL), table (e.g. analytics.vip_customers) or model (a dbt model)' });
  }
}

/** A sync's audience: created on first sync and remembered, or adopted by id. */
export type AudienceConfig = z.output<typeof audienceSchema>;
/** Safety limits checked before anything is sent. */
export type GuardrailsConfig = z.output<typeof guardrailsSchema>;

/**
 * `diff: warehouse` needs a planner on the sync's warehouse. Returns the problem, or undefined; shared by the config
 * check (core/config/config-schema.ts) and the job builder (core/sync-jobs.ts).
 */
export function diffModeProblem(sync: unknown, warehouses: unknown): string | undefined {
  if (!isRecord(sync) || sync.diff !== 'warehouse' || typeof sync.warehouse !== 'string' || !isRecord(warehouses)) return undefined;
  const warehouse = warehouses[sync.warehouse];
  if (!isRecord(warehouse)) return undefined;
  if (warehouse.type !== 'postgres') {
    return `diff: warehouse is only supported on Postgres warehouses for now (warehouse ${sync.warehouse} is ${String(warehouse.type)}); use diff: state`;
  }
  // Both stage per-record extras (a segment, an action) the warehouse's staging statement does not carry yet.
  for (const key of ['segments', 'actions'] as const) {
    if (isSet(sync[key])) return `diff: warehouse does not support ${key} yet; use diff: state for this sync`;
  }
  if (!isRecord(warehouse.planner)) {
    return `diff: warehouse needs a planner schema on warehouse ${sync.warehouse}: add planner: { schema: pinsync } to warehouses.${sync.warehouse}`;
  }
  return undefined;
}

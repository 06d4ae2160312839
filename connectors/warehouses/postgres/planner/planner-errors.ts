/**
 * PINSYNC_PLANNER_* errors: what the role may not do in the planner schema, and the exact statement an owner runs
 * to allow it. Names are quoted as Postgres would need them; no URL or password ever appears.
 */
import { escapeIdentifier } from 'pg';
import { WarehouseError } from '../../../../core/errors.js';

/** Who is asking and where, for the message. */
export interface PlannerGrantContext {
  /** `sync NAME` or `warehouse NAME`. */
  who: string;
  /** The planner schema (unquoted). */
  schema: string;
  /** The login role. */
  role: string;
  /** The database. */
  database: string;
}

/** The schema is missing and the role may not create it (no CREATE on the database). */
export function plannerSchemaNotCreatable(ctx: PlannerGrantContext): WarehouseError {
  const schema = escapeIdentifier(ctx.schema);
  const role = escapeIdentifier(ctx.role);
  return new WarehouseError(
    'PINSYNC_PLANNER_PERMISSION',
    `${ctx.who}: the planner schema ${ctx.schema} does not exist and role ${ctx.role} may not create it (no CREATE on database ${ctx.database}). ` +
      `Run, as the database owner or a superuser: CREATE SCHEMA ${schema} AUTHORIZATION ${role}; ` +
      `(or GRANT CREATE ON DATABASE ${escapeIdentifier(ctx.database)} TO ${role}; and pinsync creates it)`,
  );
}

/** The schema exists but the role may not create pinsync's tables and functions in it. */
export function plannerSchemaNotWritable(ctx: PlannerGrantContext, missing: string): WarehouseError {
  return new WarehouseError(
    'PINSYNC_PLANNER_PERMISSION',
    `${ctx.who}: role ${ctx.role} may not ${missing} in the planner schema ${ctx.schema}. ` +
      `Run, as the schema owner or a superuser: GRANT USAGE, CREATE ON SCHEMA ${escapeIdentifier(ctx.schema)} TO ${escapeIdentifier(ctx.role)};`,
  );
}

/** The planner's own tables exist but belong to another role that did not share them. */
export function plannerTablesNotWritable(ctx: PlannerGrantContext): WarehouseError {
  const schema = escapeIdentifier(ctx.schema);
  return new WarehouseError(
    'PINSYNC_PLANNER_PERMISSION',
    `${ctx.who}: role ${ctx.role} may not write pinsync's tables in the planner schema ${ctx.schema} (created by another role). ` +
      `Run, as their owner: GRANT SELECT, INSERT, UPDATE, DELETE ON ${schema}.membership, ${schema}.deltas, ${schema}.installed TO ${escapeIdentifier(ctx.role)};`,
  );
}

/** A recorded REMOVE range names a delta table that is gone (dropped by hand): which members left is unknown. */
export function plannerDeltaMissing(who: string, table: string): WarehouseError {
  return new WarehouseError(
    'PINSYNC_PLANNER_DELTA_MISSING',
    `${who}: the planner delta table ${table}, which holds removals Pinterest acknowledged, was dropped before they were applied ` +
      'to the membership, so the membership may still list members Pinterest no longer has. Run this sync once with --full-resync ' +
      '(it sends every current member again and removes the rest)',
  );
}

/**
 * `syncs[].segments`: one model, many audiences. Each distinct value of `column` becomes its own sub-sync (customer
 * list, audience, membership, guardrails, lock and run history under `<sync>/<value>`), all fed by one warehouse read.
 */
import { z } from 'zod';
import { int, isRecord, isSet, numeric, requiredText, text, type IssueSink } from '../config/config-fields.js';

/** What happens to a segment known from earlier runs that the query no longer yields. */
export const ON_DISAPPEAR = ['keep', 'empty'] as const;

/** The placeholder the name template must carry: without it every segment would get the same list name. */
export const SEGMENT_PLACEHOLDER = '{segment}';

/**
 * Pinterest documents no limit on customer lists per ad account (the reference marks it unconfirmed), so the ceiling
 * pinsync checks before creating is a setting; this default is deliberately conservative.
 */
export const DEFAULT_ACCOUNT_LIST_LIMIT = 1000;

// Globs over segment values: `*` any run of characters, `?` one character; nothing else is special.
const GLOB_PATTERN = /^[^\u0000-\u001f]{1,200}$/;

export const segmentsSchema = z.strictObject({
  column: requiredText(),
  name: text(
    z
      .string()
      .max(200, { error: 'must be at most 200 characters' })
      .refine((v) => v.includes(SEGMENT_PLACEHOLDER), { error: `must contain ${SEGMENT_PLACEHOLDER}, so each segment gets its own list name` }),
  ),
  include: z.array(z.string().regex(GLOB_PATTERN, { error: 'must be a glob such as vip_* (1-200 characters)' }), { error: 'must be a list of globs, e.g. ["vip_*", churn_risk]' }).default([]),
  maxSegments: numeric(int(1, 10_000).default(100)),
  onDisappear: z.enum(ON_DISAPPEAR, { error: `must be one of ${ON_DISAPPEAR.join(', ')}` }).default('keep'),
  accountListLimit: numeric(int(1, 1_000_000).default(DEFAULT_ACCOUNT_LIST_LIMIT)),
});

/** A sync's fan-out settings. */
export type SegmentsConfig = z.output<typeof segmentsSchema>;

/**
 * Runs before the sync schema: a segment sync names its lists with `segments.name`, so its `audience.name` is
 * filled from it (an `audience:` block may still carry a description).
 */
export function withSegmentAudience(value: unknown): unknown {
  if (!isRecord(value) || !isRecord(value.segments) || typeof value.segments.name !== 'string') return value;
  if (value.audience === undefined) return { ...value, audience: { name: value.segments.name } };
  if (isRecord(value.audience) && !isSet(value.audience.name)) return { ...value, audience: { ...value.audience, name: value.segments.name } };
  return value;
}

/** Refusals a segment sync needs beyond its own fields (a sync-level superRefine). */
export function checkSegmentFields(value: unknown, ctx: IssueSink): void {
  if (!isRecord(value) || !isRecord(value.segments)) return;
  const audience = isRecord(value.audience) ? value.audience : {};
  if (isSet(audience.customerListId) || isSet(audience.audienceId)) {
    ctx.addIssue({ code: 'custom', path: ['audience', 'customerListId'], message: 'a segment sync creates one list per segment; it cannot adopt a list by id' });
  }
  if (isSet(audience.name) && audience.name !== value.segments.name) {
    ctx.addIssue({ code: 'custom', path: ['audience', 'name'], message: 'a segment sync names its lists with segments.name; leave out audience.name' });
  }
  if (value.diff === 'warehouse') {
    ctx.addIssue({ code: 'custom', path: ['diff'], message: 'segments are diffed in the state for now; use diff: state' });
  }
}

/**
 * Field builders shared by the config schemas. Two facts shape them: every value that came from `${VAR}` is a
 * string (environment variables have no types), and `${VAR:-}` yields `''`, which for an optional field must mean
 * "not set" rather than "set to nothing". The blank-to-unset step has to run *before* `.optional()`/`.default()`,
 * which is why the wrappers below take the finished inner schema (`numeric(int(1, 10).default(6))`).
 */
import { z } from 'zod';

/** Lets a refinement run even when the value already has other problems, so `validate` lists everything at once. */
export const ALWAYS = { when: () => true } as const;

/** Where refinements report: the `ctx` of `superRefine`, narrowed to what our checks use. */
export type IssueSink = Pick<z.core.$RefinementCtx, 'addIssue'>;

/** `''` (what `${VAR:-}` gives for an unset variable) becomes `undefined`, so optional fields read it as unset. */
export function blankToUndefined(value: unknown): unknown {
  return value === '' ? undefined : value;
}

/** A plain object (not an array, not null): what a YAML mapping becomes. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** True when a possibly-invalid value counts as set: refinements with `ALWAYS` may see raw input. */
export function isSet(value: unknown): boolean {
  return value !== undefined && value !== null && value !== '';
}

/** Wraps a string schema so that `''` counts as not set. */
export function text<T extends z.ZodType>(inner: T) {
  return z.preprocess(blankToUndefined, inner);
}

/** A required, non-empty string. */
export function requiredText() {
  return text(z.string());
}

/** An optional string; `''` counts as not set. */
export function optionalText() {
  return text(z.string().optional());
}

/** Wraps a number schema so that numeric strings (from `${VAR}`) are accepted and `''` counts as not set. */
export function numeric<T extends z.ZodType>(inner: T) {
  return z.preprocess((value) => {
    if (typeof value === 'string' && /^\s*[+-]?\d+(\.\d+)?\s*$/.test(value)) return Number(value);
    return blankToUndefined(value);
  }, inner);
}

/** Wraps a boolean schema so that `true`/`false`/`1`/`0` strings are accepted and `''` counts as not set. */
export function boolean<T extends z.ZodType>(inner: T) {
  return z.preprocess((value) => {
    if (typeof value !== 'string') return value;
    const v = value.trim().toLowerCase();
    if (v === 'true' || v === '1') return true;
    if (v === 'false' || v === '0') return false;
    return blankToUndefined(value);
  }, inner);
}

/** A whole number in `[min, max]` (use inside `numeric`). */
export function int(min: number, max: number = Number.MAX_SAFE_INTEGER) {
  const message = `must be a whole number ${max === Number.MAX_SAFE_INTEGER ? `of at least ${min}` : `between ${min} and ${max}`}`;
  return z.number().int({ error: message }).min(min, { error: message }).max(max, { error: message });
}

/** A number (fractions allowed) in `[min, max]` (use inside `numeric`). */
export function num(min: number, max: number) {
  const message = `must be a number between ${min} and ${max}`;
  return z.number().min(min, { error: message }).max(max, { error: message });
}

/**
 * An id made of digits (Pinterest ids, byte counts). An unquoted YAML number is accepted only while it is exact:
 * past 2^53 JavaScript numbers lose digits, so long ids must be quoted.
 */
export function digitId(maxDigits: number) {
  return z.preprocess(numberToDigits(maxDigits), digits(maxDigits));
}

/** `digitId` for an optional field. */
export function optionalDigitId(maxDigits: number) {
  return z.preprocess(numberToDigits(maxDigits), digits(maxDigits).optional());
}

function digits(maxDigits: number) {
  return z.string().regex(new RegExp(`^\\d{1,${maxDigits}}$`), { error: `must be a string of at most ${maxDigits} digits` });
}

function numberToDigits(maxDigits: number) {
  return (value: unknown, ctx: IssueSink): unknown => {
    if (typeof value !== 'number') return blankToUndefined(value);
    if (Number.isSafeInteger(value) && value >= 0) return String(value);
    ctx.addIssue({ code: 'custom', message: `must be a string of at most ${maxDigits} digits; quote it in YAML ("…") so it is not read as a number` });
    return z.NEVER;
  };
}

/** An absolute http(s) URL, trailing slashes removed so callers can append `/path` (use inside `text`). */
export function httpUrl() {
  return z
    .string()
    .refine(isHttpUrl, { error: 'must be an absolute http:// or https:// URL' })
    .transform((url) => url.replace(/\/+$/, ''));
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

/** A `postgres://` or `postgresql://` connection URL. */
export function isPostgresUrl(value: string): boolean {
  if (!/^postgres(ql)?:\/\//i.test(value)) return false;
  try {
    new URL(value);
    return true;
  } catch {
    return false;
  }
}

/** Names of warehouses and destinations: syncs refer to them and reports print them. */
export const entryName = z.string().regex(/^[A-Za-z0-9_-]+$/, { error: 'names may contain only letters, digits, _ and -' });

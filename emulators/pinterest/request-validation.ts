/**
 * Checks of path parameters and JSON bodies, throwing the 400 answers of the emulator contract. Hand-written
 * rather than schema-driven so each message says which field is wrong in Pinterest's "Invalid request: …" style.
 */

import { badPathParam, invalidRequest } from './api-errors.js';

/** Path ids are `^\d+$` with at most 18 characters (`components.parameters.path_*`). */
export function checkPathParam(name: string, value: string): void {
  if (value.length === 0 || value.length > 18 || !/^\d+$/.test(value)) throw badPathParam(name, value);
}

/** The body as an object; arrays, scalars and null are refused. */
export function bodyObject(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw invalidRequest('the request body must be a JSON object.');
  }
  return body as Record<string, unknown>;
}

/** A required string field; `nonEmpty` also refuses "" and all-whitespace. */
export function requiredString(obj: Record<string, unknown>, key: string, opts: { nonEmpty?: boolean } = {}): string {
  const value = obj[key];
  if (value === undefined || value === null) throw invalidRequest(`'${key}' is required.`);
  if (typeof value !== 'string') throw invalidRequest(`'${key}' must be a string.`);
  if (opts.nonEmpty === true && value.trim() === '') throw invalidRequest(`'${key}' must not be empty.`);
  return value;
}

/** An optional string field (absent → undefined); `nullable` lets an explicit null through as null. */
export function optionalString(
  obj: Record<string, unknown>,
  key: string,
  opts: { nonEmpty?: boolean; nullable?: boolean } = {},
): string | null | undefined {
  const value = obj[key];
  if (value === undefined) return undefined;
  if (value === null) {
    if (opts.nullable === true) return null;
    throw invalidRequest(`'${key}' must be a string.`);
  }
  if (typeof value !== 'string') throw invalidRequest(`'${key}' must be a string.`);
  if (opts.nonEmpty === true && value.trim() === '') throw invalidRequest(`'${key}' must not be empty.`);
  return value;
}

/** A case-sensitive enum field; `fallback` is used when the field is absent (else it is required). */
export function enumField<T extends string>(obj: Record<string, unknown>, key: string, values: readonly T[], fallback?: T): T {
  const value = obj[key];
  if (value === undefined || value === null) {
    if (fallback !== undefined) return fallback;
    throw invalidRequest(`'${key}' is required.`);
  }
  if (typeof value !== 'string' || !(values as readonly string[]).includes(value)) {
    throw invalidRequest(`'${key}' must be one of ${values.join(', ')} (was ${JSON.stringify(value)}).`);
  }
  return value as T;
}

/** An optional nested object. */
export function optionalObject(obj: Record<string, unknown>, key: string): Record<string, unknown> | undefined {
  const value = obj[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalidRequest(`'${key}' must be an object.`);
  return value as Record<string, unknown>;
}

/**
 * `records` as Pinterest reads it: split on commas, empty tokens dropped (a trailing comma is legal). No trimming
 * and no format check: the real API accepts anything and lets non-matching records silently not match.
 */
export function splitRecords(records: string): string[] {
  if (records === '') return [];
  const tokens = records.split(',');
  // Most batches have no empty token; skip the filter's copy of a 10k-element array in that case.
  return tokens.includes('') ? tokens.filter((t) => t !== '') : tokens;
}

/** Counts the non-empty tokens without building them (for the request log of failed requests). */
export function countRecords(records: string): number {
  let count = 0;
  let start = 0;
  for (;;) {
    const comma = records.indexOf(',', start);
    const end = comma === -1 ? records.length : comma;
    if (end > start) count++;
    if (comma === -1) return count;
    start = comma + 1;
  }
}

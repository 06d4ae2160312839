/**
 * `assertSpecCompliant(emulator)`: checks every exchange of a session (each request a client sent and each answer
 * the emulator gave) against the official OpenAPI description, and throws one error listing every violation.
 * Cheap enough to end any end-to-end test with: bodies in the exchange log are already compacted (long `records`
 * strings cut to 1 KiB; only their type matters to the schema) and validators are compiled once per process.
 */
import type { Exchange } from '../../emulators/pinterest/exchange-log.js';
import { openApiValidator, type SpecViolation, type ValidationOptions } from './openapi-validator.js';

/** What to check. */
export interface SpecComplianceOptions extends ValidationOptions {
  /** Check requests (default true); false when a test sends invalid requests on purpose. */
  requests?: boolean;
  /** Check responses (default true). */
  responses?: boolean;
  /** Only check exchanges this returns true for. */
  filter?: (exchange: Exchange, index: number) => boolean;
  /** Do not fail when the exchange log overflowed and early exchanges could not be checked (default false). */
  allowDroppedExchanges?: boolean;
  /** Violations printed in the error message (all are on `violations`); default 30. */
  maxListed?: number;
}

/** The part of a running emulator this reads. */
export interface ExchangeSource {
  /** The exchange log. */
  readonly exchanges: readonly Exchange[];
  /** Exchanges that fell off the log. */
  readonly exchangesDropped: number;
}

/** Thrown by assertSpecCompliant; `violations` holds every problem found. */
export class SpecComplianceError extends Error {
  /** Every violation, in exchange order. */
  readonly violations: readonly SpecViolation[];
  constructor(message: string, violations: readonly SpecViolation[]) {
    super(message);
    this.name = 'SpecComplianceError';
    this.violations = violations;
  }
}

/** Every violation in the emulator's exchange log (does not throw). */
export function specViolations(source: ExchangeSource | readonly Exchange[], opts: SpecComplianceOptions = {}): SpecViolation[] {
  const exchanges = isExchangeList(source) ? source : source.exchanges;
  const validator = openApiValidator();
  const out: SpecViolation[] = [];
  exchanges.forEach((exchange, index) => {
    if (opts.filter !== undefined && !opts.filter(exchange, index)) return;
    out.push(...validator.exchangeViolations(exchange, index, opts));
  });
  return out;
}

/**
 * Throws a SpecComplianceError listing every request and response in the session that departs from the spec;
 * returns how many exchanges were checked.
 */
export function assertSpecCompliant(source: ExchangeSource | readonly Exchange[], opts: SpecComplianceOptions = {}): number {
  const exchanges = isExchangeList(source) ? source : source.exchanges;
  const dropped = isExchangeList(source) ? 0 : source.exchangesDropped;
  const violations = specViolations(exchanges, opts);
  const checked = opts.filter === undefined ? exchanges.length : exchanges.filter((e, i) => opts.filter?.(e, i) === true).length;
  const problems: string[] = [];
  if (dropped > 0 && opts.allowDroppedExchanges !== true) {
    problems.push(`${dropped} early exchanges fell off the emulator's exchange log and were not checked (raise exchangeLogLimit)`);
  }
  if (violations.length === 0 && problems.length === 0) return checked;
  const max = opts.maxListed ?? 30;
  const lines = violations.slice(0, max).map((v) => `  #${v.index} ${v.exchange}: ${v.part}: ${v.message}`);
  if (violations.length > max) lines.push(`  … and ${violations.length - max} more`);
  throw new SpecComplianceError(
    [`${violations.length} OpenAPI violation(s) in ${checked} exchange(s)`, ...problems.map((p) => `  ${p}`), ...lines].join('\n'),
    violations,
  );
}

function isExchangeList(source: ExchangeSource | readonly Exchange[]): source is readonly Exchange[] {
  return Array.isArray(source);
}

/**
 * One PacingGate per (API base URL, access identity) per runtime (connectors/runtime/create-runtime.ts). Pinterest
 * counts quota per user and app, not per client object: several syncs (or several destinations on different ad
 * accounts) that use the same credentials spend one quota, so they must wait at one gate.
 */
import { createHash } from 'node:crypto';
import type { PinterestAuthConfig } from '../../../core/config/destination-schema.js';
import { configTokenFingerprint } from '../oauth/pinterest-oauth-tokens.js';
import { PacingGate, type PacingClock, type PacingRates } from './pinterest-pacing-gate.js';

/** Who spends a quota. */
export interface PacingScope {
  /** API root; the emulator and production never share a quota. */
  apiBaseUrl: string;
  /** Opaque identity of the credentials, from `pacingIdentity`. */
  identity: string;
}

/** The gates of one runtime: a CLI command or a `pinsync schedule` process creates one and shares it across its syncs. */
export class PacingRegistry {
  readonly #gates = new Map<string, PacingGate>();

  /**
   * The shared gate of a scope, created on first use. A later caller with a lower rate lowers the shared one: when
   * two configs disagree about one quota, the stricter wins.
   */
  gateFor(scope: PacingScope, rates: PacingRates, opts: { clock?: PacingClock; burstSeconds?: number } = {}): PacingGate {
    const key = `${scope.apiBaseUrl.replace(/\/+$/, '')}\n${scope.identity}`;
    const existing = this.#gates.get(key);
    if (existing !== undefined) {
      existing.lowerRates(rates);
      return existing;
    }
    const gate = new PacingGate({ rates, clock: opts.clock, burstSeconds: opts.burstSeconds });
    this.#gates.set(key, gate);
    return gate;
  }

  /** Forgets every gate. */
  clear(): void {
    this.#gates.clear();
  }
}

// For callers that build a client without a runtime (createPinterestDestination without `gate`: benchmarks, tests).
const fallback = new PacingRegistry();

/** The gate of a scope in the fallback registry of callers without a runtime; see PacingRegistry.gateFor. */
export function sharedPacingGate(scope: PacingScope, rates: PacingRates, opts: { clock?: PacingClock; burstSeconds?: number } = {}): PacingGate {
  return fallback.gateFor(scope, rates, opts);
}

/**
 * The credentials' identity: the app plus the tokens the config started from. Refreshes change the access token
 * but not this, so a refresh mid-run keeps the same gate. A digest, so the registry holds no secret.
 */
export function pacingIdentity(auth: PinterestAuthConfig): string {
  return createHash('sha256')
    .update(`${auth.clientId ?? ''}\n${configTokenFingerprint(auth)}`)
    .digest('hex');
}

/** Forgets every gate of the fallback registry (tests that want a fresh quota). */
export function resetPacingRegistry(): void {
  fallback.clear();
}

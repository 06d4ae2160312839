/**
 * One PacingGate per (API base URL, access identity) for the whole process. Pinterest counts quota per user and
 * app, not per client object: several syncs (or several destinations on different ad accounts) that use the same
 * credentials spend one quota, so they must wait at one gate.
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

const gates = new Map<string, PacingGate>();

/**
 * The shared gate of a scope, created on first use. A later caller with a lower rate lowers the shared one: when
 * two configs disagree about one quota, the stricter wins.
 */
export function sharedPacingGate(scope: PacingScope, rates: PacingRates, opts: { clock?: PacingClock; burstSeconds?: number } = {}): PacingGate {
  const key = `${scope.apiBaseUrl.replace(/\/+$/, '')}\n${scope.identity}`;
  const existing = gates.get(key);
  if (existing !== undefined) {
    existing.lowerRates(rates);
    return existing;
  }
  const gate = new PacingGate({ rates, clock: opts.clock, burstSeconds: opts.burstSeconds });
  gates.set(key, gate);
  return gate;
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

/** Forgets every gate (tests that want a fresh quota). */
export function resetPacingRegistry(): void {
  gates.clear();
}

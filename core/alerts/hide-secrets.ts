/**
 * The scrubber hides data (identifiers) in error text; an alert leaves the machine, so it must also never carry a
 * credential that a library quoted back (a connection string in a driver error, a token in an echoed request).
 * The credentials are exactly the config values `redactConfig` would hide, so they are found the same way.
 */
import { REDACTED, redactConfig } from '../config/redact-config.js';

// Too short to be a credential and too likely to occur in ordinary text (`postgres://u:pw@...` with pw = "x").
const MIN_SECRET_LENGTH = 4;

/**
 * Every secret value in `config` (tokens, client secrets, passwords, webhook secrets, Slack URLs, URL passwords) and
 * every alert channel's URL: a generic webhook's URL often carries its token in the path (Discord, Teams, Zapier).
 */
export function secretValues(config: unknown): string[] {
  const found = new Set<string>();
  walk(config, redactConfig(config), found);
  const alerts = (config as { alerts?: unknown } | null)?.alerts;
  if (Array.isArray(alerts)) for (const channel of alerts) if (typeof (channel as { url?: unknown })?.url === 'string') found.add((channel as { url: string }).url);
  return [...found].filter((s) => s.length >= MIN_SECRET_LENGTH).sort((a, b) => b.length - a.length);
}

function walk(value: unknown, redacted: unknown, found: Set<string>): void {
  if (typeof value === 'string') {
    if (value === redacted) return;
    if (redacted === REDACTED) found.add(value);
    else addUrlPassword(value, found);
    return;
  }
  if (Array.isArray(value) && Array.isArray(redacted)) value.forEach((item, i) => walk(item, redacted[i], found));
  else if (typeof value === 'object' && value !== null && typeof redacted === 'object' && redacted !== null) {
    for (const [key, item] of Object.entries(value)) walk(item, (redacted as Record<string, unknown>)[key], found);
  }
}

function addUrlPassword(url: string, found: Set<string>): void {
  try {
    const parsed = new URL(url);
    if (parsed.password) {
      found.add(parsed.password);
      found.add(decodeURIComponent(parsed.password));
    }
    for (const param of ['password', 'sslpassword']) {
      const v = parsed.searchParams.get(param);
      if (v) found.add(v);
    }
  } catch {
    const match = /^[a-z][a-z0-9+.-]*:\/\/[^/:@]*:([^/]*)@/i.exec(url);
    if (match?.[1]) found.add(match[1]);
  }
}

// Bearer tokens and Pinterest's token shapes, for credentials the config does not hold (tokens refreshed into the state).
const TOKEN_SHAPES = [/\bBearer\s+[A-Za-z0-9._~+/=-]+/g, /\bpin[a-z]_[A-Za-z0-9._~+/=-]{8,}/g];

/** `text` with every one of `secrets`, and anything token-shaped, replaced by `***`. */
export function hideSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) out = out.split(secret).join(REDACTED);
  for (const shape of TOKEN_SHAPES) out = out.replace(shape, REDACTED);
  return out;
}

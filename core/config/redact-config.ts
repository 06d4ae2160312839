/**
 * Copies of config values that are safe to print (DESIGN §1: secrets are never printed). Secrets are found by key
 * name, and passwords are also cut out of any URL-shaped string, so a postgres URL in `state:` or `url:` is covered
 * without either place having to remember it.
 */

/** What a secret is replaced with. */
export const REDACTED = '***';

// accessToken, refreshToken, clientSecret, password, privateKey, privateKeyPassphrase, credentials, and the like;
// not privateKeyPath or keyFilename, which are file names the user needs to see.
// webhookUrl: a Slack incoming-webhook URL is a bearer credential (anyone holding it can post to the channel).
const SECRET_KEY = /(token|secret|password|passphrase|privatekey|credentials?|apikey|webhookurl)$/i;

// libpq reads these from a connection URL's query string too.
const SECRET_QUERY_PARAMS = ['password', 'sslpassword'];

/** `url` with the password of its user-info (and `?password=`) replaced by `***`; other strings unchanged. */
export function redactUrl(url: string): string {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) return url;
  try {
    const parsed = new URL(url);
    let changed = false;
    if (parsed.password !== '') {
      parsed.password = REDACTED;
      changed = true;
    }
    for (const param of SECRET_QUERY_PARAMS) {
      if (parsed.searchParams.has(param)) {
        parsed.searchParams.set(param, REDACTED);
        changed = true;
      }
    }
    return changed ? parsed.href.replace(/%2A%2A%2A/g, REDACTED) : url;
  } catch {
    // Unparseable: still cut out anything between `//user:` and the last `@` before the host.
    return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/:@]*:)[^/]*@/i, `$1${REDACTED}@`);
  }
}

/** A deep copy of `value` with every secret replaced by `***`; unset secrets stay unset, so `validate` can show them. */
export function redactConfig<T>(value: T): T {
  return redact(value, false) as T;
}

function redact(value: unknown, secret: boolean): unknown {
  if (secret && value !== undefined && value !== null && value !== '') return REDACTED;
  if (typeof value === 'string') return redactUrl(value);
  if (Array.isArray(value)) return value.map((item) => redact(item, false));
  if (typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, redact(item, SECRET_KEY.test(key))]));
  }
  return value;
}

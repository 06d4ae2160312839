/**
 * Tokens at rest: AES-256-GCM with a key from PINSYNC_STATE_KEY. A shared database is read by more people than a
 * file in one home folder, so Postgres state stores tokens only encrypted; DuckDB state encrypts when a key is set
 * and still reads the plain tokens older versions stored. The destination key is bound as associated data, so a
 * ciphertext copied onto another destination's row does not decrypt.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { StateError } from '../../core/errors.js';

/** Marks an encrypted value; anything else is a plain token stored before encryption (or without a key). */
const PREFIX = 'pinsync-aes256gcm:v1:';

export const KEY_HELP =
  'set PINSYNC_STATE_KEY to a 32-byte key, written as 64 hex digits or base64 (e.g. `openssl rand -base64 32`), ' +
  'and keep it with your other secrets: every runner of this state needs the same key';

export class TokenCipher {
  private constructor(private readonly key: Buffer | undefined) {}

  /** Reads PINSYNC_STATE_KEY (or the given text); refuses a key that is not 32 bytes in hex or base64. */
  static fromEnv(text: string | undefined = process.env.PINSYNC_STATE_KEY): TokenCipher {
    if (text === undefined || text.trim() === '') return new TokenCipher(undefined);
    return new TokenCipher(parseKey(text.trim()));
  }

  /** Whether a key is set. */
  get hasKey(): boolean {
    return this.key !== undefined;
  }

  /** The value to store: encrypted with a key; the text itself without (callers decide whether that is allowed). */
  seal(plain: string, context: string): string {
    if (!this.key) return plain;
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return `${PREFIX}${iv.toString('base64')}:${body.toString('base64')}:${cipher.getAuthTag().toString('base64')}`;
  }

  /** The token in a stored value; plain values pass through. `where` names the state in errors. */
  open(stored: string, context: string, where: string): string {
    if (!stored.startsWith(PREFIX)) return stored;
    if (!this.key) {
      throw new StateError('PINSYNC_STATE_KEY_MISSING', `the tokens stored in the state ${where} are encrypted and PINSYNC_STATE_KEY is not set; ${KEY_HELP}`);
    }
    const [iv, body, tag] = stored.slice(PREFIX.length).split(':');
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv ?? '', 'base64'));
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(Buffer.from(tag ?? '', 'base64'));
      return Buffer.concat([decipher.update(Buffer.from(body ?? '', 'base64')), decipher.final()]).toString('utf8');
    } catch (err) {
      throw new StateError(
        'PINSYNC_STATE_KEY_WRONG',
        `the tokens stored in the state ${where} do not decrypt with PINSYNC_STATE_KEY (a different key than the one that stored them?); ` +
          'set the key they were stored with, or run `pinsync auth exchange` again to store new tokens',
        { cause: err },
      );
    }
  }
}

function parseKey(text: string): Buffer {
  if (/^[0-9a-fA-F]{64}$/.test(text)) return Buffer.from(text, 'hex');
  if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(text)) {
    const bytes = Buffer.from(text.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    if (bytes.length === 32) return bytes;
  }
  // The value is a secret: its length is all the message says about it.
  throw new StateError('PINSYNC_STATE_KEY_INVALID', `PINSYNC_STATE_KEY is not a 32-byte key (it has ${text.length} characters); ${KEY_HELP}`);
}

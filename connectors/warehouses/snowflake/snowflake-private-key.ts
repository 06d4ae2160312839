/**
 * Reads the key of a key-pair login before the SDK does, so a key that cannot work is refused with a message that
 * names the setting to fix instead of the SDK's "Invalid private key" or OpenSSL's `DECODER routines::unsupported`,
 * and before any request reaches Snowflake.
 *
 * An inline `privateKey` often comes from an environment variable or a CI secret whose line breaks arrived as the
 * two characters `\n`, or were turned into spaces by a one-line form field. PEM text never contains a backslash and
 * base64 never contains a space, so both are restored unambiguously.
 */
import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { WarehouseError } from '../../../core/errors.js';

/** The key-pair settings of a Snowflake warehouse. */
export interface SnowflakeKeySettings {
  /** Path of a PEM private key file. */
  privateKeyPath?: string;
  /** The PEM private key itself. */
  privateKey?: string;
  /** Passphrase of an encrypted key. */
  privateKeyPassphrase?: string;
}

const KEY_HINT = 'give the whole PKCS#8 key including its -----BEGIN/END----- lines (line breaks may be written as \\n)';

/**
 * The inline key with its line breaks restored (undefined without one), after proving that the key, inline or at
 * `privateKeyPath`, parses and decrypts. Throws a WarehouseError (PINSYNC_WAREHOUSE_AUTH) starting with `who`.
 */
export function checkedSnowflakePrivateKey(s: SnowflakeKeySettings, who: string): string | undefined {
  if (s.privateKey !== undefined) {
    const pem = normalizePem(s.privateKey);
    parse(pem, s.privateKeyPassphrase, 'privateKey', who);
    return pem;
  }
  if (s.privateKeyPath !== undefined) {
    let file: Buffer;
    try {
      file = readFileSync(s.privateKeyPath);
    } catch (err) {
      const code = (err as { code?: string }).code ?? 'unreadable';
      throw new WarehouseError('PINSYNC_WAREHOUSE_AUTH', `${who}: cannot read the Snowflake privateKeyPath ${s.privateKeyPath} (${code}); fix the path (a relative path is relative to the config file) or the file's permissions`, { cause: err });
    }
    parse(file, s.privateKeyPassphrase, `privateKeyPath ${s.privateKeyPath}`, who);
  }
  return undefined;
}

/** `\n` escapes and line breaks lost to spaces restored, CRLF made LF, one final newline. */
export function normalizePem(text: string): string {
  let pem = text.replace(/\\r\\n|\\n|\\r/g, '\n').replace(/\r\n?/g, '\n').trim();
  const oneLine = /^(-----BEGIN [A-Z ]+-----)\s+([A-Za-z0-9+/=\s]+?)\s+(-----END [A-Z ]+-----)$/.exec(pem);
  if (oneLine && !pem.includes('\n')) {
    const body = oneLine[2]!.replace(/\s+/g, '').match(/.{1,64}/g) ?? [];
    pem = [oneLine[1], ...body, oneLine[3]].join('\n');
  }
  return `${pem}\n`;
}

// Never quotes OpenSSL's message: it says nothing a user can act on. The key itself is never part of a message.
function parse(key: string | Buffer, passphrase: string | undefined, source: string, who: string): void {
  try {
    createPrivateKey({ key, format: 'pem', ...(passphrase !== undefined && { passphrase }) });
  } catch (err) {
    // Node versions disagree on the code of a missing passphrase; the PEM itself says whether it is encrypted.
    const encrypted = /-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: 4,ENCRYPTED/.test(key.toString());
    if (encrypted && passphrase === undefined) {
      throw new WarehouseError('PINSYNC_WAREHOUSE_AUTH', `${who}: the Snowflake key in ${source} is encrypted; set privateKeyPassphrase`, { cause: err });
    }
    if (encrypted) {
      throw new WarehouseError('PINSYNC_WAREHOUSE_AUTH', `${who}: privateKeyPassphrase does not decrypt the Snowflake key in ${source}; check the passphrase (and that the key is complete)`, { cause: err });
    }
    throw new WarehouseError('PINSYNC_WAREHOUSE_AUTH', `${who}: ${source} is not a readable PEM private key; ${KEY_HINT}`, { cause: err });
  }
}

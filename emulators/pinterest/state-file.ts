/**
 * The emulator's state file: JSON, written to a temporary file beside the target and renamed over it, so a crash
 * mid-save leaves the previous state intact. Packed membership is stored as base64 chunks of 32-byte hashes
 * (~43 bytes per record instead of ~67 as a JSON string array); the rest is plain JSON. Tokens, codes and refresh
 * tokens sit under `auth` (optional, so files from before OAuth still load); the file holds live credentials of the
 * emulator only, which is why it is never printed.
 *
 * The whole file is parsed at start, so V8's string limit (~512 MB) caps it at roughly 10M tracked records;
 * benchmarks beyond that run with `trackMembership: false`, which stores counters only.
 */

import { randomBytes } from 'node:crypto';
import { open, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

import type { AudienceEntity, CustomerListEntity } from './emulator-entities.js';
import type { StoreState } from './emulator-store.js';
import { MembershipSet } from './membership-set.js';
import type { OAuthState } from './oauth-authority.js';
import type { AccessTokenRecord } from './token-registry.js';

/** Tokens and grants as the state file keeps them, so a restarted emulator honours (and refuses) the same tokens. */
export interface PersistedAuth extends OAuthState {
  /** Access tokens, seeded and minted, live and expired. */
  accessTokens: AccessTokenRecord[];
  /** Access tokens revoked for good. */
  revokedAccessTokens: string[];
}

/** Everything the state file holds. */
export interface PersistedState extends StoreState {
  /** Tokens and grants; undefined in files written before the emulator had OAuth. */
  auth: PersistedAuth | undefined;
}

const FORMAT = 'pinsync-emulator-state';
const VERSION = 1;

type ListMeta = Omit<CustomerListEntity, 'members'>;

interface ListRecord {
  meta: ListMeta;
  /** Base64 chunks of packed hashes; null when membership was not tracked. */
  packed: string[] | null;
  /** Records that are not lowercase 64-hex. */
  other: string[] | null;
}

/**
 * Serializes the state synchronously into string pieces (so the snapshot is consistent even if requests change the
 * state while the pieces are being written), then writes them and renames the file into place.
 */
export async function writeStateFile(path: string, state: PersistedState): Promise<void> {
  const pieces = serialize(state);
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  // It holds the emulator's live tokens: owner-only whatever the umask (the mode can only lose bits to the umask).
  const handle = await open(tmp, 'w', 0o600);
  try {
    for (const piece of pieces) await handle.write(piece);
  } catch (err) {
    await handle.close();
    await rm(tmp, { force: true });
    throw err;
  }
  await handle.close();
  await rename(tmp, path);
}

/** Reads a state file; undefined when it does not exist. Throws with the path when it is not ours or is corrupt. */
export async function readStateFile(path: string): Promise<PersistedState | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(text) as Record<string, unknown>;
  } catch (err) {
    throw new Error(`emulator state file ${path} is not valid JSON`, { cause: err });
  }
  if (doc?.format !== FORMAT || doc.version !== VERSION) {
    throw new Error(`${path} is not a pinsync emulator state file (format ${FORMAT} version ${VERSION})`);
  }
  const lists = (doc.lists as ListRecord[]).map(
    (record): CustomerListEntity => ({
      ...record.meta,
      members: record.packed === null ? undefined : MembershipSet.fromSerialized(record.packed, record.other ?? []),
    }),
  );
  return {
    nextId: Number(doc.nextId),
    clockOffsetMs: Number(doc.clockOffsetMs ?? 0),
    lists,
    audiences: doc.audiences as AudienceEntity[],
    auth: (doc.auth as PersistedAuth | undefined) ?? undefined,
  };
}

function serialize(state: PersistedState): string[] {
  const head = {
    format: FORMAT,
    version: VERSION,
    savedAt: new Date().toISOString(),
    nextId: state.nextId,
    clockOffsetMs: state.clockOffsetMs,
    audiences: state.audiences,
    auth: state.auth,
  };
  const pieces = [JSON.stringify(head).slice(0, -1), ',"lists":['];
  for (const [i, list] of state.lists.entries()) {
    const { members, ...meta } = list;
    pieces.push(`${i === 0 ? '' : ','}{"meta":${JSON.stringify(meta)},"packed":`);
    if (members === undefined) {
      pieces.push('null,"other":null}');
      continue;
    }
    pieces.push('[');
    members.packedChunks().forEach((chunk, j) => pieces.push(`${j === 0 ? '' : ','}"${chunk}"`));
    pieces.push(`],"other":${JSON.stringify(members.otherRecords())}}`);
  }
  pieces.push(']}\n');
  return coalesce(pieces, 4 * 1024 * 1024);
}

/** Joins small pieces so a state with many lists is not written one tiny syscall at a time. */
function coalesce(pieces: string[], target: number): string[] {
  const out: string[] = [];
  let pending: string[] = [];
  let size = 0;
  for (const piece of pieces) {
    pending.push(piece);
    size += piece.length;
    if (size >= target) {
      out.push(pending.join(''));
      pending = [];
      size = 0;
    }
  }
  if (pending.length > 0) out.push(pending.join(''));
  return out;
}

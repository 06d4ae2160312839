/**
 * Which customer list a sync without one may use: the rule that a sync only ever adopts a list its own create
 * produced. Pinterest names are not unique and a create can be applied while its answer is lost, so before a
 * create the sync notes the ids of the lists that already carry the name; afterwards, a list with that name is its
 * own only if it is not one of them. A list with the name that existed before is someone else's (another sync, a
 * person) and is never written to.
 */
import type { CustomerListInfo } from './destination.js';
import { EXIT, PinsyncError } from './errors.js';

/** What the sync should do: adopt a list its own earlier create made, or send a create noting these known ids. */
export type ListDecision = { kind: 'adopt'; listId: string } | { kind: 'create'; knownIds: string[] };

/** A create that was sent (or about to be) but not acknowledged, as the state remembers it. */
export interface PendingCreate {
  /** Name the create used. */
  name: string;
  /** Ids of the lists with that name seen before the create; null when an older pinsync did not record them. */
  knownIds: readonly string[] | null;
}

export interface ListDecisionInput {
  /** Sync name, for messages. */
  syncName: string;
  /** Ad account, for messages. */
  adAccountId: string;
  /** `audience.name`: the name a create would use. */
  name: string;
  /** Every customer list of the ad account, as listed just now. */
  lists: readonly CustomerListInfo[];
  /** The unacknowledged create, if any. */
  pending: PendingCreate | undefined;
  /** Same-named lists do not stop a create (`--recreate`: the list it replaces usually still carries the name). */
  allowExisting: boolean;
}

/** Decides, or throws a PinsyncError whose message names the lists and the ways out. */
export function decideList(input: ListDecisionInput): ListDecision {
  const { pending } = input;
  if (pending) {
    const named = input.lists.filter((l) => l.name === pending.name);
    if (pending.knownIds === null) {
      // An older pinsync noted the create without the ids it saw: any list with the name may be someone else's.
      if (named.length > 0) throw ambiguous(input, pending.name, named, 'an earlier run sent a create but did not note which lists already had that name');
    } else {
      const known = new Set(pending.knownIds);
      const fresh = named.filter((l) => !known.has(l.id));
      // A list this sync created holds exactly its create's batch until the sync acknowledges it: more batches
      // mean someone else wrote to it, so it is not (only) ours.
      const ours = fresh.filter((l) => l.numBatches <= 1);
      if (fresh.length === 1 && ours.length === 1) return { kind: 'adopt', listId: ours[0]!.id };
      if (fresh.length > 1) throw ambiguous(input, pending.name, fresh, 'an earlier create was not answered and more than one list with its name appeared since');
      if (fresh.length === 1) throw ambiguous(input, pending.name, fresh, 'an earlier create was not answered and the list with its name that appeared since was written to by someone else');
    }
    // Nothing new with the name: the create never reached Pinterest. Decide as for a first create.
  }
  const named = input.lists.filter((l) => l.name === input.name);
  if (named.length > 0 && !input.allowExisting) throw nameTaken(input, named);
  return { kind: 'create', knownIds: named.map((l) => l.id) };
}

function describeLists(lists: readonly CustomerListInfo[]): string {
  return lists.map((l) => `${l.id} (${l.numUploadedUserRecords} records uploaded, ${l.numBatches} batches)`).join(', ');
}

// A config conflict, not a fault: the same config can never succeed, so it is a usage error (exit 2), like the
// other refusals that need a config change (a stored list that differs from audience.customerListId).
function nameTaken(input: ListDecisionInput, named: readonly CustomerListInfo[]): PinsyncError {
  const first = named[0]!;
  return new PinsyncError(
    'PINSYNC_LIST_NAME_TAKEN',
    `sync ${input.syncName}: ad account ${input.adAccountId} already has ${named.length === 1 ? 'a customer list' : `${named.length} customer lists`} named "${input.name}" ` +
      `that this sync did not create: ${describeLists(named)}. pinsync never writes into a list it did not create or was not told to adopt. ` +
      `To sync into it, adopt it by id with \`audience.customerListId: "${first.id}"\` (its current members stay until removed by hand); ` +
      'otherwise pick another `audience.name`. Nothing was sent.',
    EXIT.usage,
  );
}

// A fault left more than one candidate: only a person can tell which is ours. Exit 1 (the run failed), and the
// message says how to settle it.
function ambiguous(input: ListDecisionInput, name: string, candidates: readonly CustomerListInfo[], why: string): PinsyncError {
  return new PinsyncError(
    'PINSYNC_LIST_AMBIGUOUS',
    `sync ${input.syncName}: ${why}; ad account ${input.adAccountId} has customer lists named "${name}" that may or may not be this sync's: ` +
      `${describeLists(candidates)}. pinsync will not guess. Check them in Ads Manager and adopt this sync's list by id with ` +
      '`audience.customerListId: "<id>"`, or run `pinsync sync --sync ' + input.syncName + ' --recreate` to start a new list beside them. Nothing was sent.',
    EXIT.syncFailed,
  );
}

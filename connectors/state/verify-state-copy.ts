/**
 * The check that ends `pinsync state copy`: what the source held, sync by sync, against what the target holds after
 * the commit. Pure, so the rule is tested on its own; the snapshots come from ./copy-state.ts.
 */

/** What one side holds for one sync. */
export interface SyncSnapshot {
  /** Sync name. */
  sync: string;
  /** Records in the acknowledged membership. */
  members: number;
  /** SHA-256 over the membership in (digest, family) order (membership-pages.ts). */
  digest: string;
  /** Recorded runs. */
  runs: number;
  /** Acknowledged batches over those runs. */
  batches: number;
  /** The sync's record (list, audience, normalization version, ...) as canonical JSON; null without one. */
  record: string | null;
}

/** The verdict for one sync. */
export interface SyncCopyCheck {
  /** Sync name. */
  sync: string;
  /** Membership records in the source. */
  members: number;
  /** Membership records in the target. */
  targetMembers: number;
  /** Runs in the source. */
  runs: number;
  /** Runs in the target. */
  targetRuns: number;
  /** Source membership digest. */
  digest: string;
  /** Whether the target's membership digest and count equal the source's. */
  digestOk: boolean;
  /** Whether the sync record, runs and batches match. */
  historyOk: boolean;
  /** Every check passed. */
  ok: boolean;
  /** What differs, in words (counts and names only). */
  problems: string[];
}

/** Compares every source sync with the target's; a sync missing from the target fails. */
export function verifyStateCopy(source: readonly SyncSnapshot[], target: readonly SyncSnapshot[]): SyncCopyCheck[] {
  const byName = new Map(target.map((t) => [t.sync, t]));
  return source.map((s) => {
    const t = byName.get(s.sync);
    const problems: string[] = [];
    if (!t) problems.push('missing from the target');
    else {
      if (t.members !== s.members) problems.push(`${t.members} members in the target, ${s.members} in the source`);
      else if (t.digest !== s.digest) problems.push('the membership digest differs');
      if (t.runs !== s.runs) problems.push(`${t.runs} runs in the target, ${s.runs} in the source`);
      if (t.batches !== s.batches) problems.push(`${t.batches} batches in the target, ${s.batches} in the source`);
      if (t.record !== s.record) problems.push('the sync record (list, audience, settings) differs');
    }
    const digestOk = t !== undefined && t.members === s.members && t.digest === s.digest;
    const historyOk = t !== undefined && t.runs === s.runs && t.batches === s.batches && t.record === s.record;
    return {
      sync: s.sync,
      members: s.members,
      targetMembers: t?.members ?? 0,
      runs: s.runs,
      targetRuns: t?.runs ?? 0,
      digest: s.digest,
      digestOk,
      historyOk,
      ok: digestOk && historyOk,
      problems,
    };
  });
}

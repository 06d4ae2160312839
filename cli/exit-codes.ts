/**
 * With several syncs the worst exit code wins (DESIGN §1). Worst means: a config/usage error (2, nothing ran) over
 * an interruption (130, the syncs after it never ran) over a failed sync (1) over a guardrail stop (3, deliberate,
 * nothing sent) over success (0).
 *
 * 130 ranks above 1 because a stopped invocation did not do what it was asked, whatever the syncs before it did,
 * and callers (shells, cron wrappers, CI) read 130 as "stopped on purpose" and must not treat it as a sync bug; the
 * report still shows each sync's own outcome. It ranks below 2 because a usage error means nothing ran at all.
 */
const SEVERITY: Readonly<Record<number, number>> = { 0: 0, 3: 1, 1: 2, 130: 3, 2: 4 };

export function worstExitCode(codes: Iterable<number>): number {
  let worst = 0;
  for (const code of codes) if ((SEVERITY[code] ?? 2) > (SEVERITY[worst] ?? 0)) worst = code;
  return worst;
}

/**
 * With several syncs the worst exit code wins (DESIGN §1). Worst means: a config/usage error (2, nothing ran) over
 * a failed sync (1) over a guardrail stop (3, deliberate, nothing sent) over success (0).
 */
const SEVERITY: Readonly<Record<number, number>> = { 0: 0, 3: 1, 1: 2, 2: 3 };

export function worstExitCode(codes: Iterable<number>): number {
  let worst = 0;
  for (const code of codes) if ((SEVERITY[code] ?? 2) > (SEVERITY[worst] ?? 0)) worst = code;
  return worst;
}

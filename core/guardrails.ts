/**
 * Guardrails run after the diff and before anything is sent (DESIGN §2.4). They exist because the most expensive
 * reverse-ETL failure is silent: a broken upstream model that returns nothing, or a bad join that halves the
 * audience, turns into mass removals that take days of Pinterest re-matching to undo.
 */
import type { DiffCounts, GuardrailResult } from './sync-report.js';

export interface GuardrailSettings {
  /** Stop when removals exceed this percentage of the acknowledged membership. */
  maxRemovePercent: number;
  /** Allow a source with no valid identifiers (which would remove everyone). */
  allowEmptySource: boolean;
}

export function evaluateGuardrails(diff: DiffCounts, settings: GuardrailSettings, force: boolean): GuardrailResult {
  const reasons: string[] = [];
  if (diff.current === 0 && !settings.allowEmptySource) {
    reasons.push(
      diff.acknowledged > 0
        ? `the source yielded no valid identifiers, which would remove all ${fmt(diff.acknowledged)} members (allowEmptySource is false)`
        : 'the source yielded no valid identifiers (allowEmptySource is false)',
    );
  }
  if (diff.acknowledged > 0 && diff.removes > 0) {
    const percent = (diff.removes / diff.acknowledged) * 100;
    if (percent > settings.maxRemovePercent) {
      reasons.push(
        `${fmt(diff.removes)} removals are ${percent.toFixed(1)}% of the ${fmt(diff.acknowledged)} acknowledged members, ` +
          `above maxRemovePercent ${settings.maxRemovePercent}%`,
      );
    }
  }
  if (reasons.length === 0) return { verdict: 'pass', reasons };
  return { verdict: force ? 'overridden' : 'blocked', reasons };
}

function fmt(n: number): string {
  return n.toLocaleString('en-US');
}

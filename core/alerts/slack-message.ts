/**
 * The Slack incoming-webhook message for an alert: Block Kit blocks (a header, the counts as fields, the error, the
 * hint, the run id) plus a plain `text`, which Slack shows in notifications and where blocks cannot be drawn.
 */
import type { AlertPayload } from './alert-payload.js';

const TITLES: Record<AlertPayload['event'], string> = {
  failed: ':red_circle: sync failed',
  guardrail: ':octagonal_sign: sync stopped by a guardrail (nothing sent)',
  recovered: ':large_green_circle: sync recovered',
  warning: ':warning: sync warning',
  test: ':wave: pinsync test alert',
};

// Slack refuses a section text over 3000 characters and a header over 150.
const SECTION_MAX = 2_900;

/** The JSON body to POST to a Slack incoming webhook. */
export function slackMessage(payload: AlertPayload): { text: string; blocks: object[] } {
  const title = `${TITLES[payload.event]}: ${payload.sync}`;
  const fields = [
    field('Status', payload.status),
    field('Run', payload.runId === null ? 'not recorded' : `#${payload.runId}`),
    field('Sent', `${payload.counts.adds} added, ${payload.counts.removes} removed`),
    field('Planned', `${payload.counts.plannedAdds} adds, ${payload.counts.plannedRemoves} removes`),
  ];
  const rejected = Object.entries(payload.counts.rejected);
  if (rejected.length > 0) fields.push(field('Rejected', rejected.map(([reason, n]) => `${reason}: ${n}`).join(', ')));
  if (payload.consecutiveFailures > 1 || payload.event === 'recovered') {
    fields.push(field(payload.event === 'recovered' ? 'After failed runs' : 'Failed runs in a row', String(payload.consecutiveFailures)));
  }
  const blocks: object[] = [
    { type: 'header', text: { type: 'plain_text', text: title.slice(0, 150), emoji: true } },
    { type: 'section', fields },
  ];
  if (payload.error) blocks.push(section(`*${payload.error.code}*\n${codeBlock(payload.error.message)}`));
  if (payload.warnings.length > 0) blocks.push(section(`*Warnings*\n${payload.warnings.map((w) => `• ${w}`).join('\n')}`));
  if (payload.hint) blocks.push(section(`*Fix:* ${payload.hint}`));
  const ids = [
    payload.customerListId && `list ${payload.customerListId}`,
    payload.audienceId && `audience ${payload.audienceId}`,
    `started ${payload.startedAt}`,
    `finished ${payload.finishedAt}`,
  ].filter(Boolean);
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: ids.join(' · ') }] });
  const summary = payload.error ? `${title}: ${payload.error.code}` : title;
  return { text: summary, blocks };
}

function field(label: string, value: string): object {
  return { type: 'mrkdwn', text: `*${label}*\n${escape(value)}` };
}

function section(markdown: string): object {
  return { type: 'section', text: { type: 'mrkdwn', text: markdown.length > SECTION_MAX ? `${markdown.slice(0, SECTION_MAX)}…` : markdown } };
}

function codeBlock(text: string): string {
  return `\`\`\`${escape(text).replace(/```/g, "'''")}\`\`\``;
}

// Slack's mrkdwn reads &, < and > as control characters (links, mentions).
function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

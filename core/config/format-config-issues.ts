/** Renders config issues for the terminal. */
import type { ConfigIssue } from '../errors.js';

/** One issue per line, `path: message` (just the message for the document itself), each line prefixed by `indent`. */
export function formatConfigIssues(issues: readonly ConfigIssue[], indent = ''): string {
  return issues.map((issue) => `${indent}${issue.path === '' ? issue.message : `${issue.path}: ${issue.message}`}`).join('\n');
}

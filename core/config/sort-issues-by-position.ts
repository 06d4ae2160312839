/**
 * Orders issues as their places appear in the file. Zod reports in schema order and cross-field checks come last,
 * which scatters one sync's problems across the list; file order keeps them together and top to bottom.
 */
import { isMap, isPair, isScalar, isSeq, type Document } from 'yaml';
import type { ConfigIssue } from '../errors.js';
import { parseConfigPath } from './format-config-path.js';

/** A stable sort of `issues` by the offset of their path in `doc` (a missing key sorts at its parent). */
export function sortIssuesByPosition(issues: readonly ConfigIssue[], doc: Document): ConfigIssue[] {
  return issues
    .map((issue, index) => ({ issue, index, offset: offsetOf(doc, parseConfigPath(issue.path)) }))
    .sort((a, b) => a.offset - b.offset || a.index - b.index)
    .map(({ issue }) => issue);
}

function offsetOf(doc: Document, path: readonly PropertyKey[]): number {
  let node: unknown = doc.contents;
  let offset = 0;
  for (const key of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(key));
      if (!pair) break;
      offset = (isScalar(pair.key) && pair.key.range?.[0]) || offset;
      node = pair.value;
    } else if (isSeq(node) && typeof key === 'number' && node.items[key] !== undefined) {
      node = node.items[key];
      offset = (node as { range?: [number, number, number] }).range?.[0] ?? offset;
    } else {
      break;
    }
  }
  return offset;
}

/**
 * dbt-style selection over pinsync's syncs (`--select`, `--exclude`). As in dbt: values separated by spaces (or
 * given in several flags) are a union, a comma inside one value is an intersection (`tag:crm,model:vip` = the
 * syncs tagged crm that read vip). Methods: a sync name, `model:NAME` (the syncs that read that dbt model, NAME
 * with or without its package), `tag:T` and `segment:NAME` (segments of segment syncs, see
 * core/fan-out/segment-selection.ts). A selector that names nothing in the config is a usage error, since a typo
 * would otherwise quietly run nothing (or, in --exclude, everything).
 */
import type { SyncConfig } from '../config/config-schema.js';
import { closestMatch } from '../config/did-you-mean.js';
import { UsageError } from '../errors.js';
import { parseModelRef } from './resolve-models.js';
import { segmentParentOf, segmentSyncsFor } from '../fan-out/segment-selection.js';

/** The selection flags of `plan` and `sync`. */
export interface Selection {
  /** `--sync NAME` values: the same as `--select NAME`. */
  sync?: readonly string[] | undefined;
  /** `--select` values. */
  select?: readonly string[] | undefined;
  /** `--exclude` values. */
  exclude?: readonly string[] | undefined;
}

const METHODS = ['model', 'tag', 'segment'] as const;

/** The syncs the selection picks, in config order. */
export function selectByDbtSelectors(syncs: readonly SyncConfig[], selection: Selection): SyncConfig[] {
  const included = new Set<SyncConfig>();
  const select = [...(selection.select ?? []), ...(selection.sync ?? [])];
  if (select.length === 0) syncs.forEach((s) => included.add(s));
  else for (const s of matchAll(syncs, select, '--select')) included.add(s);
  for (const s of matchAll(syncs, selection.exclude ?? [], '--exclude')) included.delete(s);
  const picked = syncs.filter((s) => included.has(s));
  if (picked.length === 0) {
    const comma = [...select, ...(selection.exclude ?? [])].some((v) => v.includes(','));
    throw new UsageError(
      `the selection matches no sync${comma ? ' (a comma means "and" in dbt selection syntax: separate selectors with spaces for "or")' : ''}; the config defines: ${syncs.map((s) => s.name).join(', ')}`,
    );
  }
  return picked;
}

function matchAll(syncs: readonly SyncConfig[], values: readonly string[], flag: string): Set<SyncConfig> {
  const out = new Set<SyncConfig>();
  for (const value of values) {
    const terms = value.split(/\s+/).filter((t) => t !== '');
    if (terms.length === 0) throw new UsageError(`${flag} needs a selector (a sync name, model:NAME or tag:T)`);
    for (const term of terms) {
      const atoms = term.split(',');
      let matched = new Set(syncs);
      for (const atom of atoms) {
        const hits = new Set(matchAtom(syncs, atom, flag));
        matched = new Set([...matched].filter((s) => hits.has(s)));
      }
      matched.forEach((s) => out.add(s));
    }
  }
  return out;
}

function matchAtom(syncs: readonly SyncConfig[], atom: string, flag: string): SyncConfig[] {
  if (atom === '') throw new UsageError(`${flag}: empty selector (check the commas)`);
  if (/^[@+]|\+$/.test(atom) || atom.includes('*')) {
    throw new UsageError(`${flag} ${atom}: graph operators (+, @) and wildcards are not supported; name syncs, model:NAME or tag:T`);
  }
  const colon = atom.indexOf(':');
  if (colon < 0) {
    const sync = syncs.find((s) => s.name === atom);
    if (sync) return [sync];
    // A segment named like a sync (`segments/vip_2024`): excluding it must not exclude its whole sync.
    const parent = segmentParentOf(syncs, atom);
    if (parent) return flag === '--exclude' ? [] : [parent];
    throw new UsageError(`${flag}: unknown sync "${atom}"${hint(atom, syncs.map((s) => s.name))}`);
  }
  const method = atom.slice(0, colon);
  const arg = atom.slice(colon + 1);
  if (arg === '') throw new UsageError(`${flag} ${atom}: name what to select after "${method}:"`);
  switch (method) {
    case 'model': {
      const wanted = parseModelRef(arg);
      const hits = syncs.filter((s) => {
        if (s.model === undefined) return false;
        const read = parseModelRef(s.model);
        return read.name === wanted.name && (wanted.packageName === undefined || read.packageName === undefined || read.packageName === wanted.packageName);
      });
      if (hits.length > 0) return hits;
      const models = [...new Set(syncs.map((s) => s.model).filter((m): m is string => m !== undefined))];
      throw new UsageError(`${flag} ${atom}: no sync reads dbt model "${arg}"${models.length > 0 ? hint(arg, models) : ' (no sync has a model: source)'}`);
    }
    case 'tag': {
      const hits = syncs.filter((s) => s.tags.includes(arg));
      if (hits.length > 0) return hits;
      const tags = [...new Set(syncs.flatMap((s) => s.tags))];
      throw new UsageError(`${flag} ${atom}: no sync has tag "${arg}"${tags.length > 0 ? hint(arg, tags) : ' (no sync has tags:)'}`);
    }
    // Picks the segment syncs; which of their segments run is core/fan-out/segment-selection.ts's business, so an
    // excluded segment never excludes its whole sync.
    case 'segment':
      return segmentSyncsFor(syncs, arg, flag, atom);
    default: {
      const close = closestMatch(method, METHODS);
      throw new UsageError(`${flag} ${atom}: unknown selector method "${method}"${close ? `; did you mean "${close}:"?` : ''}; use a sync name, model:NAME or tag:T`);
    }
  }
}

function hint(input: string, candidates: readonly string[]): string {
  const close = closestMatch(input, candidates);
  return close !== undefined ? `; did you mean "${close}"?` : `; known: ${candidates.join(', ')}`;
}

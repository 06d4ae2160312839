/**
 * Resolves each sync's `model:` through the manifest to the relation it reads, as `ref()` would: by name, or by
 * `package.name`; the latest version of a versioned model. Every problem of every sync is collected into one
 * ConfigError (exit 2), each naming the candidates, so one run shows everything to fix.
 */
import type { PinsyncConfig, SyncConfig } from '../config/config-schema.js';
import { closestMatch } from '../config/did-you-mean.js';
import { formatConfigPath } from '../config/format-config-path.js';
import { ConfigError, type ConfigIssue } from '../errors.js';
import type { DbtManifest, DbtNode } from './manifest.js';
import { relationOf } from './model-relation.js';

/** The resource types `ref()` reaches. */
const REFABLE = new Set(['model', 'seed', 'snapshot']);

/** What a sync's `model:` stands for. */
export interface ResolvedModel {
  /** dbt's node id, `model.package.name`: what run_results and tests refer to. */
  uniqueId: string;
  /** The relation the sync reads (`SELECT * FROM <relation>`). */
  relation: string;
}

/** `package.name` → its two parts; `name` → no package. */
export function parseModelRef(ref: string): { packageName: string | undefined; name: string } {
  const dot = ref.indexOf('.');
  return dot < 0 ? { packageName: undefined, name: ref } : { packageName: ref.slice(0, dot), name: ref.slice(dot + 1) };
}

/** The node `ref` names, or why there is none (unknown, ambiguous, disabled). */
export function findModel(manifest: DbtManifest, ref: string): { node: DbtNode } | { problem: string } {
  const { packageName, name } = parseModelRef(ref);
  const refable = Object.values(manifest.nodes).filter((n) => REFABLE.has(n.resource_type));
  const matches = refable.filter((n) => n.name === name && (packageName === undefined || n.package_name === packageName));
  const packages = [...new Set(matches.map((n) => n.package_name))].sort();
  if (packages.length > 1) {
    return { problem: `dbt model "${ref}" is ambiguous: packages ${packages.join(', ')} each define it; write model: ${packages.map((p) => `${p}.${name}`).join(' or model: ')}` };
  }
  if (matches.length > 0) return { node: latestVersion(matches) };

  const disabled = Object.values(manifest.disabled ?? {})
    .flat()
    .find((n) => n.name === name && (packageName === undefined || n.package_name === packageName));
  if (disabled) return { problem: `dbt model "${ref}" (${disabled.unique_id}) is disabled in the dbt project (enabled: false)` };

  const elsewhere = refable.filter((n) => n.name === name).map((n) => `${n.package_name}.${n.name}`);
  if (elsewhere.length > 0) return { problem: `unknown dbt model "${ref}": package ${packageName} defines no ${name}; ${elsewhere.sort().join(', ')} exists` };
  const known = [...new Set(refable.map((n) => (packageName === undefined ? n.name : `${n.package_name}.${n.name}`)))].sort();
  const close = closestMatch(ref, known);
  const hint = close !== undefined ? `; did you mean "${close}"?` : known.length > 0 ? `; the manifest has ${listSome(known)}` : '; the manifest has no models';
  return { problem: `unknown dbt model "${ref}"${hint}` };
}

// `ref('m')` of a versioned model is its latest version: latest_version when set, else the highest.
function latestVersion(nodes: DbtNode[]): DbtNode {
  if (nodes.length === 1) return nodes[0]!;
  const latest = nodes.find((n) => n.latest_version != null && String(n.version) === String(n.latest_version));
  if (latest) return latest;
  return [...nodes].sort((a, b) => Number(b.version ?? 0) - Number(a.version ?? 0))[0]!;
}

function listSome(names: readonly string[]): string {
  const shown = names.slice(0, 12).join(', ');
  return names.length > 12 ? `${shown} and ${names.length - 12} more` : shown;
}

/**
 * Resolves the `model:` of each of `syncs` (the others are left out of the map) against `manifest`, read from
 * `manifestPath`. Throws one ConfigError listing every unknown or ambiguous model and every mapped column the
 * model's declared columns do not have.
 */
export function resolveSyncModels(config: PinsyncConfig, syncs: readonly SyncConfig[], manifest: DbtManifest, manifestPath: string): Map<string, ResolvedModel> {
  const resolved = new Map<string, ResolvedModel>();
  const issues: ConfigIssue[] = [];
  for (const sync of syncs) {
    if (sync.model === undefined) continue;
    const index = config.syncs.indexOf(sync);
    const at = (...rest: PropertyKey[]) => formatConfigPath(['syncs', index < 0 ? sync.name : index, ...rest]);
    const found = findModel(manifest, sync.model);
    if ('problem' in found) {
      issues.push({ path: at('model'), message: found.problem });
      continue;
    }
    const relation = relationOf(found.node, config.warehouses[sync.warehouse]!);
    if ('problem' in relation) {
      issues.push({ path: at('model'), message: relation.problem });
      continue;
    }
    issues.push(...undeclaredColumns(found.node, sync).map((message) => ({ path: at('identifiers', message.column), message: message.text })));
    resolved.set(sync.name, { uniqueId: found.node.unique_id, relation: relation.relation });
  }
  if (issues.length > 0) {
    const count = issues.length === 1 ? '1 problem' : `${issues.length} problems`;
    throw new ConfigError(`dbt models (${manifestPath}): ${count}\n${issues.map((i) => `  ${i.path}: ${i.message}`).join('\n')}`, issues);
  }
  return resolved;
}

/**
 * Mapped columns the model does not declare, when it declares any. Declared columns are dbt's documentation of the
 * model, and a mapped column is one whose values go to Pinterest: undocumented, it is more often a typo than not.
 * Compared case-insensitively (Snowflake upper-cases unquoted names).
 */
function undeclaredColumns(node: DbtNode, sync: SyncConfig): { column: string; text: string }[] {
  const declared = Object.values(node.columns ?? {}).map((c) => c.name);
  if (declared.length === 0) return [];
  const lower = new Set(declared.map((c) => c.toLowerCase()));
  return Object.keys(sync.identifiers)
    .filter((column) => !lower.has(column.toLowerCase()))
    .map((column) => {
      const close = closestMatch(column, declared);
      const hint = close !== undefined ? `did you mean "${close}"?` : `it declares ${listSome(declared)}`;
      return {
        column,
        text: `column "${column}" is not among the columns dbt model ${node.unique_id} declares (${hint}); fix the mapping, or declare the column in the model's YAML`,
      };
    });
}

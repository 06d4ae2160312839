/**
 * `pinsync dbt exposures`: one dbt exposure per sync whose source is a dbt model, so dbt's docs and lineage show
 * that the model feeds a Pinterest audience (issue 11 §2). Returns the YAML document as data; the CLI serializes it.
 * Shape (checked against dbt's own property schema in the tests): `version: 2`, `exposures:` with name, label, type
 * `application`, description, depends_on `ref(...)`, owner (name and/or email), tags and `meta.pinsync`.
 * `meta` and `tags` stay top-level keys: dbt 1.10 also reads them under `config:`, but 1.5 to 1.9 read them here.
 */
import type { PinsyncConfig, SyncConfig } from '../config/config-schema.js';
import { parseModelRef } from './resolve-models.js';

/** The owner dbt shows when the config names none: dbt requires one. */
export const DEFAULT_EXPOSURE_OWNER = { name: 'pinsync' } as const;

/** The ids a sync's list and audience have, from the state (or the config's adopted ids). */
export interface SyncDestinationIds {
  /** Pinterest customer list id, once created or adopted. */
  customerListId?: string | undefined;
  /** Pinterest audience id, once created or adopted. */
  audienceId?: string | undefined;
}

/** One dbt exposure, as written in a properties YAML file. */
export interface DbtExposure {
  /** Unique in the dbt project: letters, digits and underscores. */
  name: string;
  /** Human-friendly name. */
  label: string;
  /** Always `application`: the audience is a downstream use that is neither a dashboard nor a notebook. */
  type: 'application';
  /** Markdown shown in the dbt docs. */
  description: string;
  /** `ref('model')` or `ref('package', 'model')`. */
  depends_on: string[];
  /** Who to ask about it. */
  owner: { name?: string; email?: string };
  /** `pinsync` and the sync's own tags. */
  tags: string[];
  /** Where the model goes on Pinterest. */
  meta: { pinsync: Record<string, string> };
}

/** The YAML document's content. */
export interface ExposuresDocument {
  /** dbt properties files are version 2. */
  version: 2;
  /** One per model sync, in config order. */
  exposures: DbtExposure[];
}

/** Exposures for the model syncs of `config`; `ids(sync)` gives what the state knows of each sync's list and audience. */
export function buildExposures(config: PinsyncConfig, ids: (sync: SyncConfig) => SyncDestinationIds): ExposuresDocument {
  const owner = ownerOf(config);
  return {
    version: 2,
    exposures: config.syncs
      .filter((sync) => sync.model !== undefined)
      .map((sync) => {
        const destination = config.destinations[sync.destination]!;
        const known = ids(sync);
        const customerListId = known.customerListId ?? sync.audience.customerListId;
        const audienceId = known.audienceId ?? sync.audience.audienceId;
        const pinsync: Record<string, string> = { sync: sync.name, destination: sync.destination, adAccountId: destination.adAccountId, audienceName: sync.audience.name };
        if (customerListId !== undefined) pinsync.customerListId = customerListId;
        if (audienceId !== undefined) pinsync.audienceId = audienceId;
        return {
          name: `pinsync_${sync.name}`,
          label: `Pinterest audience: ${sync.audience.name}`,
          type: 'application' as const,
          description:
            `Pinterest customer list and audience "${sync.audience.name}" (ad account ${destination.adAccountId}), kept in step with this model by ` +
            `pinsync sync \`${sync.name}\`. Mapped columns: ${Object.entries(sync.identifiers).map(([column, type]) => `${column} (${type})`).join(', ')}.`,
          depends_on: [refOf(sync.model!)],
          // A copy each: a shared object would come out of the YAML writer as an anchor and aliases.
          owner: { ...owner },
          tags: ['pinsync', ...sync.tags.filter((t) => t !== 'pinsync')],
          meta: { pinsync },
        };
      }),
  };
}

/** `ref('name')`, or `ref('package', 'name')` for `package.name`. */
export function refOf(model: string): string {
  const { packageName, name } = parseModelRef(model);
  return packageName === undefined ? `ref('${name}')` : `ref('${packageName}', '${name}')`;
}

function ownerOf(config: PinsyncConfig): { name?: string; email?: string } {
  const owner = config.dbt?.owner;
  if (owner === undefined) return { ...DEFAULT_EXPOSURE_OWNER };
  return { ...(owner.name !== undefined ? { name: owner.name } : {}), ...(owner.email !== undefined ? { email: owner.email } : {}) };
}

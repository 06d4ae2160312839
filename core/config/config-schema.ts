/**
 * The whole config file (DESIGN §1). This schema is the only definition of the config's shape: the TypeScript types
 * below are inferred from it, so the validator and the types cannot drift apart. Every object is strict, because
 * a misspelled optional key (`allowEmptySorce`) would otherwise be silently ignored and its default used.
 */
import { z } from 'zod';
import { alertsSchema } from './alerts-schema.js';
import { ALWAYS, entryName, isRecord, isSet, type IssueSink } from './config-fields.js';
import { dbtSchema } from './dbt-schema.js';
import { destinationSchema } from './destination-schema.js';
import { didYouMean } from './did-you-mean.js';
import { formatConfigPath } from './format-config-path.js';
import { stateSchema } from './state-schema.js';
import { diffModeProblem, syncSchema } from './sync-schema.js';
import { warehouseSchema } from './warehouse-schema.js';

const configObjectSchema = z.strictObject({
  state: stateSchema,
  warehouses: z
    .record(entryName, warehouseSchema, { error: 'must be a mapping of warehouse names to connections' })
    .refine((map: unknown) => !isRecord(map) || Object.keys(map).length > 0, { error: 'define at least one warehouse', when: () => true }),
  destinations: z
    .record(entryName, destinationSchema, { error: 'must be a mapping of destination names to destinations' })
    .refine((map: unknown) => !isRecord(map) || Object.keys(map).length > 0, { error: 'define at least one destination', when: () => true }),
  syncs: z.array(syncSchema, { error: 'must be a list of syncs' }).min(1, { error: 'define at least one sync' }),
  dbt: dbtSchema.optional(),
  alerts: alertsSchema.optional(),
});

export const configSchema = configObjectSchema.superRefine(checkCrossReferences, ALWAYS).transform((config) => ({
  ...config,
  // checkCrossReferences has already rejected a missing destination unless exactly one is defined.
  syncs: config.syncs.map((sync) => ({ ...sync, destination: sync.destination ?? Object.keys(config.destinations)[0]! })),
}));

// Runs on partially valid input too (ALWAYS), so every value is checked for its type before use.
function checkCrossReferences(value: unknown, ctx: IssueSink): void {
  if (!isRecord(value) || !Array.isArray(value.syncs)) return;
  const warehouses = isRecord(value.warehouses) ? Object.keys(value.warehouses) : undefined;
  const destinations = isRecord(value.destinations) ? Object.keys(value.destinations) : undefined;
  const syncByName = new Map<string, number>();
  const syncByListId = new Map<string, number>();
  const syncByAudienceName = new Map<string, number>();

  value.syncs.forEach((sync: unknown, i) => {
    if (!isRecord(sync)) return;
    const at = (key: string, ...rest: string[]) => ['syncs', i, key, ...rest];

    if (typeof sync.name === 'string') {
      const first = syncByName.get(sync.name);
      if (first === undefined) syncByName.set(sync.name, i);
      else ctx.addIssue({ code: 'custom', path: at('name'), message: `duplicate sync name "${sync.name}" (also ${formatConfigPath(['syncs', first])})` });
    }

    // Without the project, pinsync has no manifest to find the model's relation in.
    if (typeof sync.model === 'string' && sync.model !== '' && !isRecord(value.dbt)) {
      ctx.addIssue({ code: 'custom', path: at('model'), message: 'a model source needs the top-level dbt: { projectDir: ../your_dbt_project } block' });
    }

    if (typeof sync.warehouse === 'string' && sync.warehouse !== '' && warehouses && !warehouses.includes(sync.warehouse)) {
      ctx.addIssue({ code: 'custom', path: at('warehouse'), message: unknownReference('warehouse', sync.warehouse, warehouses) });
    }

    const diffProblem = diffModeProblem(sync, value.warehouses);
    if (diffProblem !== undefined) ctx.addIssue({ code: 'custom', path: at('diff'), message: diffProblem });

    if (typeof sync.destination === 'string' && sync.destination !== '') {
      if (destinations && !destinations.includes(sync.destination)) {
        ctx.addIssue({ code: 'custom', path: at('destination'), message: unknownReference('destination', sync.destination, destinations) });
      }
    } else if (destinations && destinations.length > 1) {
      ctx.addIssue({ code: 'custom', path: at('destination'), message: `required when more than one destination is defined (${destinations.join(', ')})` });
    }

    // Two syncs adopting one list would each remove the other's members.
    const listId = isRecord(sync.audience) ? sync.audience.customerListId : undefined;
    if (isSet(listId) && (typeof listId === 'string' || typeof listId === 'number')) {
      const first = syncByListId.get(String(listId));
      if (first === undefined) syncByListId.set(String(listId), i);
      else
        ctx.addIssue({
          code: 'custom',
          path: at('audience', 'customerListId'),
          message: `customer list ${String(listId)} is already used by ${formatConfigPath(['syncs', first])}; one sync per list`,
        });
    }

    // Pinterest list names are not unique; a sync tells its own list from another's only by the create it noted,
    // so two syncs that share a name in one ad account would each find the other's list.
    const name = isRecord(sync.audience) ? sync.audience.name : undefined;
    if (typeof name === 'string' && name.trim() !== '') {
      const key = `${adAccountOf(value.destinations, sync.destination)}\u0000${name.trim()}`;
      const first = syncByAudienceName.get(key);
      if (first === undefined) syncByAudienceName.set(key, i);
      else
        ctx.addIssue({
          code: 'custom',
          path: at('audience', 'name'),
          message: `audience name "${name.trim()}" is already used by ${formatConfigPath(['syncs', first])} in the same ad account; give each sync its own audience.name`,
        });
    }
  });
}

// The ad account a sync's list lives in, or the destination name when it cannot be read (a broken entry is
// reported on its own path); with no destination named, the only one defined.
function adAccountOf(destinations: unknown, named: unknown): string {
  if (!isRecord(destinations)) return '';
  const key = typeof named === 'string' && named !== '' ? named : Object.keys(destinations).length === 1 ? Object.keys(destinations)[0]! : '';
  const destination = destinations[key];
  const account = isRecord(destination) ? destination.adAccountId : undefined;
  return typeof account === 'string' || typeof account === 'number' ? `account:${String(account)}` : `destination:${key}`;
}

function unknownReference(kind: string, name: string, defined: readonly string[]): string {
  if (defined.length === 0) return `unknown ${kind} "${name}": no ${kind}s are defined`;
  const hint = didYouMean(name, defined);
  return `unknown ${kind} "${name}"${hint || `; defined ${kind}s: ${defined.join(', ')}`}`;
}

/** The validated config, defaults filled in (paths as written; `loadConfig` resolves them). */
export type PinsyncConfig = z.output<typeof configSchema>;
/** The config as written in YAML (after `${VAR}` interpolation), before defaults. */
export type PinsyncConfigInput = z.input<typeof configSchema>;
/** One `syncs[]` entry, its `destination` resolved to a name. */
export type SyncConfig = PinsyncConfig['syncs'][number];

/**
 * `dbt:` says where the dbt project's artifacts are, for syncs whose source is `model:` and for `sync --after-dbt`
 * (issue 11 §2). Paths are relative to the config file's folder, like every other path in the config.
 */
import { z } from 'zod';
import { boolean, optionalText, requiredText } from './config-fields.js';

/** dbt's default target folder, inside the project. */
export const DEFAULT_DBT_TARGET = 'target';

/**
 * Who owns the exposures `pinsync dbt exposures` writes. dbt requires an owner with a name or an email, so the
 * command falls back to `{ name: pinsync }` when the config names none.
 */
const dbtOwnerSchema = z
  .strictObject({
    name: optionalText(),
    email: optionalText(),
  })
  .refine((owner) => owner.name !== undefined || owner.email !== undefined, { error: 'set name or email (dbt requires one of them)' });

export const dbtSchema = z.strictObject({
  projectDir: requiredText(),
  // A relative targetPath is inside projectDir, as dbt's own `target-path` is (the example pairs
  // `projectDir: ../analytics` with `targetPath: target`); resolveConfigPaths makes both absolute.
  targetPath: optionalText(),
  blockOnWarn: boolean(z.boolean().default(false)),
  owner: dbtOwnerSchema.optional(),
});

/** The validated `dbt:` block. */
export type DbtConfig = z.output<typeof dbtSchema>;

/** A dbt artifact pinsync cannot use: missing, not a dbt artifact, too old, or from another invocation. */
import { EXIT, PinsyncError } from '../errors.js';

export class DbtArtifactError extends PinsyncError {
  constructor(message: string, options?: { cause?: unknown }) {
    // Exit 2: like a config error, nothing ran, and gating on an artifact pinsync cannot trust is worse than not gating.
    super('PINSYNC_DBT_ARTIFACT', message, EXIT.usage, options);
  }
}

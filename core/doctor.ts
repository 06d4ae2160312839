/**
 * `pinsync doctor`: everything a sync needs, checked without sending or storing anything, so a cron job's
 * problems show up before the job runs (an expired token, a revoked ad account, a list deleted in the Ads UI).
 */
import { type AudienceDestination, DESTINATION_ERROR_CODES } from './destination.js';
import { DestinationError, messageOf } from './errors.js';
import { NORMALIZATION_VERSION } from './normalize/normalization-version.js';
import type { StateStore } from './state-store.js';
import type { SyncJob } from './sync-job.js';
import type { Warehouse } from './warehouse.js';

export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skip';

export interface DoctorCheck {
  /** What was checked, e.g. "warehouse reachable". */
  name: string;
  /** ok, warn (works but needs attention), fail (a sync would fail), skip (could not be checked). */
  status: CheckStatus;
  /** What was found, or what to do about it. */
  detail: string;
}

export interface DoctorSyncResult {
  /** Sync name. */
  sync: string;
  /** Checks in the order they ran. */
  checks: DoctorCheck[];
}

/** Extra checks a destination can run (token expiry and scopes); the OAuth layer provides them. */
export interface DestinationHealth {
  /** Checks about the credentials behind the destination (expiries, scopes, where the tokens come from). */
  credentialChecks(): Promise<DoctorCheck[]>;
  /** Reads the ad account; rejects when the token cannot. */
  getAdAccount(): Promise<{ id: string; name?: string | undefined }>;
}

export interface DoctorDeps {
  /** The state store, opened read-only. */
  state: StateStore;
  /** The warehouse the sync reads. */
  warehouse: Warehouse;
  /** The sync's destination. */
  destination: AudienceDestination;
  /** Credential and account checks of the destination. */
  health: DestinationHealth;
}

export async function diagnoseSync(job: SyncJob, deps: DoctorDeps): Promise<DoctorSyncResult> {
  const checks: DoctorCheck[] = [];
  const check = async (name: string, fn: () => Promise<string | { status: CheckStatus; detail: string }>) => {
    try {
      const out = await fn();
      checks.push(typeof out === 'string' ? { name, status: 'ok', detail: out } : { name, ...out });
    } catch (err) {
      checks.push({ name, status: 'fail', detail: messageOf(err) });
    }
  };

  await check('warehouse reachable', async () => {
    await deps.warehouse.check();
    return `${deps.warehouse.engine} answers`;
  });
  for (const c of await deps.health.credentialChecks().catch((err: unknown) => [{ name: 'credentials', status: 'fail' as const, detail: messageOf(err) }])) {
    checks.push(c);
  }
  let accountOk = false;
  await check('ad account access', async () => {
    const account = await deps.health.getAdAccount();
    accountOk = true;
    return `token can read ad account ${account.id}${account.name ? ` (${account.name})` : ''}`;
  });

  const sync = await deps.state.getSync(job.name);
  await check('state', async () => {
    if (!sync) return 'no runs yet';
    if (sync.membershipCount > 0 && sync.normalizationVersion !== NORMALIZATION_VERSION) {
      return {
        status: 'fail',
        detail: `membership hashed with normalization v${sync.normalizationVersion}, this pinsync uses v${NORMALIZATION_VERSION}: run \`pinsync sync --sync ${job.name} --full-resync\``,
      };
    }
    return `${sync.membershipCount} records acknowledged${sync.maxBatchRecords ? `; batches capped at ${sync.maxBatchRecords} records after a refusal` : ''}`;
  });
  const listId = sync?.customerListId ?? job.audience.customerListId;
  const audienceId = sync?.audienceId ?? job.audience.audienceId;
  if (!accountOk) {
    checks.push({ name: 'customer list', status: 'skip', detail: 'needs ad account access' });
    return { sync: job.name, checks };
  }
  let listExists = false;
  await check('customer list', async () => {
    if (!listId) return { status: 'ok', detail: 'none yet: the first sync creates it' };
    try {
      const list = await deps.destination.getCustomerList(listId);
      listExists = true;
      return `${list.id} "${list.name}" ${list.status}, ${list.numUploadedUserRecords} uploaded, ${list.numRemovedUserRecords} removed; ${sync?.membershipCount ?? 0} acknowledged by pinsync`;
    } catch (err) {
      if (err instanceof DestinationError && err.code === DESTINATION_ERROR_CODES.notFound) {
        return { status: 'fail', detail: `list ${listId} does not exist any more; run \`pinsync sync --sync ${job.name} --recreate\`` };
      }
      throw err;
    }
  });
  await check('audience', async () => {
    if (!audienceId) {
      return listExists
        ? { status: 'warn', detail: 'no audience yet: pinsync creates it once the list has 100 matched users' }
        : { status: 'ok', detail: 'none yet: created after the list' };
    }
    try {
      const audience = await deps.destination.getAudience(audienceId);
      if (listId && audience.customerListId !== undefined && audience.customerListId !== listId) {
        return { status: 'fail', detail: `audience ${audienceId} is built on list ${audience.customerListId}, not ${listId}` };
      }
      return `${audience.id} "${audience.name}" ${audience.status}${audience.size === null ? '' : `, size ${audience.size}`}, built on list ${audience.customerListId ?? '?'}`;
    } catch (err) {
      if (err instanceof DestinationError && err.code === DESTINATION_ERROR_CODES.notFound) {
        return { status: 'fail', detail: `audience ${audienceId} does not exist any more; run \`pinsync sync --sync ${job.name} --recreate\`` };
      }
      throw err;
    }
  });
  return { sync: job.name, checks };
}

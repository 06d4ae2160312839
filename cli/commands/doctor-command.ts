/** `pinsync doctor`: a checklist per sync of everything it needs; exit 1 when anything would make a sync fail. */
import { type DoctorCheck, type DoctorSyncResult, diagnoseSync } from '../../core/doctor.js';
import { EXIT, exitCodeOf } from '../../core/errors.js';
import type { StateStore } from '../../core/state-store.js';
import { modelRelations } from '../../core/dbt/prepare-dbt-syncs.js';
import { selectSyncs, syncJobFromConfig } from '../../core/sync-jobs.js';
import { PinterestClient } from '../../connectors/pinterest/http/pinterest-client.js';
import { inspectPinterestAuth, type PinterestAuthStatus } from '../../connectors/pinterest/oauth/pinterest-oauth-status.js';
import { resolveTokens } from '../../connectors/pinterest/oauth/pinterest-oauth-tokens.js';
import { staticTokenProvider } from '../../connectors/pinterest/oauth/pinterest-token-provider.js';
import { openStateStore } from '../../connectors/state/open-state-store.js';
import { createWarehouse } from '../../connectors/warehouses/create-warehouse.js';
import type { CliIo } from '../cli-io.js';
import { configLabel, loadCliConfig } from '../config-source.js';
import { createLogger } from '../output/create-logger.js';
import { reportCommandError } from '../report-command-error.js';

const MARK: Record<DoctorCheck['status'], string> = { ok: '✓', warn: '!', fail: '✗', skip: '-' };

export async function doctorCommand(args: { config: string; sync: string[] | undefined; json: boolean }, io: CliIo): Promise<number> {
  const logger = createLogger({ level: 'silent', stream: io.stderr });
  let state: StateStore | undefined;
  try {
    const config = await loadCliConfig(args.config, io, 'doctor');
    const selected = selectSyncs(config, args.sync);
    state = await openStateStore(config.state, { planOnly: true, env: io.env });
    const results: DoctorSyncResult[] = [];
    // model: sources read the relation dbt's manifest names, as plan and sync do.
    const relations = modelRelations(config, selected);
    for (const sync of selected) {
      const warehouse = await createWarehouse(sync.warehouse, config.warehouses[sync.warehouse]!);
      const destConfig = config.destinations[sync.destination]!;
      // Doctor never refreshes: a refresh rotates the refresh token, which is a change, and the state is open
      // read-only. It reads with the tokens a sync would use and reports their expiries.
      const { tokens } = await resolveTokens(state, destConfig);
      const client = new PinterestClient({
        baseUrl: destConfig.apiBaseUrl,
        adAccountId: destConfig.adAccountId,
        auth: staticTokenProvider(tokens.accessToken),
        logger,
        retry: { maxAttempts: 2 },
      });
      const health = {
        credentialChecks: async (): Promise<DoctorCheck[]> => credentialChecks(await inspectPinterestAuth({ name: sync.destination, config: destConfig, store: state!, probe: false, configPath: args.config })),
        getAdAccount: () => client.getAdAccount(),
      };
      try {
        results.push(await diagnoseSync(syncJobFromConfig(config, sync, relations.get(sync.name)), { state, warehouse, destination: client, health }));
      } finally {
        await warehouse.close().catch(() => undefined);
        await client.close().catch(() => undefined);
      }
    }
    const failed = results.some((r) => r.checks.some((c) => c.status === 'fail'));
    if (args.json) io.stdout.write(`${JSON.stringify({ version: 1, ok: !failed, syncs: results }, null, 2)}\n`);
    else io.stdout.write(renderChecklist(configLabel(args.config), results));
    return failed ? EXIT.syncFailed : EXIT.ok;
  } catch (err) {
    reportCommandError(err, io);
    return exitCodeOf(err);
  } finally {
    await state?.close().catch(() => undefined);
  }
}

function renderChecklist(configPath: string, results: DoctorSyncResult[]): string {
  const lines = [`${MARK.ok} config ${configPath} is valid`];
  for (const r of results) {
    lines.push('', r.sync);
    const width = Math.max(...r.checks.map((c) => c.name.length));
    for (const c of r.checks) lines.push(`  ${MARK[c.status]} ${c.name.padEnd(width)}  ${c.detail}`);
  }
  const counts = results.flatMap((r) => r.checks).reduce<Record<string, number>>((acc, c) => ({ ...acc, [c.status]: (acc[c.status] ?? 0) + 1 }), {});
  lines.push('', `${counts.fail ?? 0} failed, ${counts.warn ?? 0} warnings, ${counts.ok ?? 0} ok`);
  return `${lines.join('\n')}\n`;
}

function credentialChecks(status: PinterestAuthStatus): DoctorCheck[] {
  const expiry = (label: string, iso: string | null) => `${label} ${iso === null ? 'expiry unknown' : `expires ${iso.slice(0, 10)}`}`;
  const detail = [
    `tokens from ${status.source === 'state' ? 'the state store (refreshed by pinsync)' : 'the config'}`,
    expiry('access token', status.accessExpiresAt),
    ...(status.autoRefresh ? [expiry('refresh token', status.refreshExpiresAt)] : ['no automatic refresh (set refreshToken, clientId and clientSecret)']),
  ].join('; ');
  const checks: DoctorCheck[] = [{ name: 'credentials', status: status.warnings.length > 0 ? 'warn' : 'ok', detail }];
  for (const warning of status.warnings) checks.push({ name: 'credentials', status: 'warn', detail: warning });
  return checks;
}

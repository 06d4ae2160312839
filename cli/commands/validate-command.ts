/** `pinsync validate`: parse and check the config; every problem with its path, exit 2 when there is any. */
import { formatConfigIssues } from '../../core/config/format-config-issues.js';
import { ConfigError, EXIT } from '../../core/errors.js';
import type { CliIo } from '../cli-io.js';
import { configLabel, loadCliConfig } from '../config-source.js';
import { reportCommandError } from '../report-command-error.js';

export async function validateCommand(args: { config: string }, io: CliIo): Promise<number> {
  const label = configLabel(args.config);
  try {
    // A CI job checking a pull request has no production secrets: their variables are noted, not errors.
    const config = await loadCliConfig(args.config, io, 'validate', { deferCredentials: true });
    const syncs = config.syncs.map((s) => s.name).join(', ');
    io.stdout.write(
      `${label}: valid — ${config.syncs.length} sync(s) (${syncs}), ${Object.keys(config.warehouses).length} warehouse(s), ` +
        `${Object.keys(config.destinations).length} destination(s); state: ${config.state.kind}\n`,
    );
    for (const d of config.deferredCredentials) io.stdout.write(`note: ${d.path}: ${d.message} (plan works without it; sync needs it)\n`);
    return EXIT.ok;
  } catch (err) {
    if (err instanceof ConfigError) {
      io.stdout.write(`${label}: ${err.issues.length || 1} problem(s)\n${formatConfigIssues(err.issues.length ? err.issues : [{ path: '', message: err.message }])}\n`);
      return EXIT.usage;
    }
    reportCommandError(err, io);
    return EXIT.usage;
  }
}

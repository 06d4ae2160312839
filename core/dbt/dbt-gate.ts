/**
 * `sync --after-dbt`: whether the last dbt invocation rebuilt a sync's model and tested it green (issue 11 §2).
 *
 * - the model is not in the invocation: skip ("not rebuilt in this dbt run"), unless the caller includes unbuilt;
 * - the model ended anything but `success` (error, skipped, …): block, naming the node and dbt's message;
 * - a test attached to the model (`attached_node`) or depending on it (`depends_on`, as singular and relationship
 *   tests do), unit tests included, ended `fail` or `error`: block; `warn`: a warning, a block with blockOnWarn;
 * - otherwise: sync.
 * Blocking is a guardrail stop: exit 3, nothing sent.
 */
import { scrubErrorText } from '../scrub-error-text.js';
import { DbtArtifactError } from './dbt-error.js';
import type { DbtManifest } from './manifest.js';
import type { DbtRunResult, DbtRunResults } from './run-results.js';

/** The gate's answer for one model. */
export type GateVerdict =
  | {
      /** Synced. */
      action: 'sync';
      /** Things to know that did not stop it (warn tests, tests that did not run); they go on the sync's report. */
      warnings: string[];
    }
  | {
      /** Not synced and not an error: the model was not part of the invocation. */
      action: 'skip';
      /** "not rebuilt in this dbt run: …". */
      reason: string;
    }
  | {
      /** Not synced: a guardrail stop (exit 3, nothing sent). */
      action: 'block';
      /** One sentence per dbt node that stopped it, with dbt's message. */
      reasons: string[];
      /** Things to know that did not stop it by themselves. */
      warnings: string[];
    };

/** How the gate treats `warn` tests. */
export interface GateOptions {
  /** `dbt.blockOnWarn`: a `warn` test blocks like a failure. */
  blockOnWarn: boolean;
}

const TEST_FAILED = new Set(['fail', 'error']);
/** Longest piece of a dbt message a reason quotes: enough to locate the problem, not a whole compiled query. */
const MESSAGE_CHARS = 300;

/**
 * Refuses artifacts from two invocations: `dbt compile` or `docs generate` after the build rewrites run_results.json.
 * Invocation ids are shown by their first 8 characters: a whole one is UUID-shaped, and the error scrubber rightly
 * hides UUIDs (device ids).
 */
export function assertSameInvocation(manifest: DbtManifest, manifestPath: string, runResults: DbtRunResults, runResultsPath: string): void {
  const m = manifest.metadata.invocation_id;
  const r = runResults.metadata.invocation_id;
  if (m && r && m === r) return;
  const which = runResults.args?.which ? ` (dbt ${runResults.args.which})` : '';
  throw new DbtArtifactError(
    `${runResultsPath} and ${manifestPath} come from different dbt invocations ` +
      `(run_results: invocation ${shortId(r)}…${which}, generated ${runResults.metadata.generated_at ?? '?'}; manifest: invocation ${shortId(m)}…, generated ${manifest.metadata.generated_at ?? '?'}). ` +
      'A later dbt command (compile, docs generate, ls, parse) rewrote one of them, so the results may not be those of the build that made the model: ' +
      'gate right after `dbt build`, or keep both files of that build together and pass --after-dbt PATH/run_results.json',
  );
}

/** Indexes an invocation once for every sync it gates. */
export class DbtGate {
  private readonly results: Map<string, DbtRunResult>;
  private readonly testsOf = new Map<string, string[]>();
  private readonly parents = new Map<string, string[]>();

  constructor(
    manifest: DbtManifest,
    private readonly runResults: DbtRunResults,
    private readonly options: GateOptions,
  ) {
    this.results = new Map(runResults.results.map((r) => [r.unique_id, r]));
    const addTest = (model: string, test: string) => {
      const list = this.testsOf.get(model) ?? [];
      if (!list.includes(test)) list.push(test);
      this.testsOf.set(model, list);
    };
    for (const node of Object.values(manifest.nodes)) {
      const upstream = node.depends_on?.nodes ?? [];
      this.parents.set(node.unique_id, upstream);
      if (node.resource_type !== 'test') continue;
      if (node.attached_node) addTest(node.attached_node, node.unique_id);
      for (const parent of upstream) addTest(parent, node.unique_id);
    }
    for (const unit of Object.values(manifest.unit_tests ?? {})) for (const parent of unit.depends_on?.nodes ?? []) addTest(parent, unit.unique_id);
  }

  /** The verdict for the model `uniqueId`. */
  verdict(uniqueId: string): GateVerdict {
    const result = this.results.get(uniqueId);
    const invocation = shortId(this.runResults.metadata.invocation_id);
    if (result === undefined) return { action: 'skip', reason: `not rebuilt in this dbt run: ${uniqueId} is not in invocation ${invocation}` };

    const reasons: string[] = [];
    const warnings: string[] = [];
    if (result.status !== 'success') reasons.push(this.modelReason(uniqueId, result));

    const tests = this.testsOf.get(uniqueId) ?? [];
    const ran = tests.map((id) => this.results.get(id)).filter((r): r is DbtRunResult => r !== undefined);
    for (const test of ran) {
      if (TEST_FAILED.has(test.status)) reasons.push(`dbt test ${test.unique_id} ended ${test.status}${quote(test)}`);
      else if (test.status === 'warn') {
        const text = `dbt test ${test.unique_id} warned${quote(test)}`;
        if (this.options.blockOnWarn) reasons.push(`${text} (dbt.blockOnWarn is set)`);
        else warnings.push(text);
      }
    }
    if (result.status === 'success' && tests.length > 0 && ran.length === 0) {
      warnings.push(`none of the ${tests.length} dbt tests on ${uniqueId} ran in invocation ${invocation} (dbt run instead of dbt build?): the gate checked the build only`);
    }
    return reasons.length > 0 ? { action: 'block', reasons, warnings } : { action: 'sync', warnings };
  }

  // A skipped model has no message of its own: the upstream node that failed is the one worth naming.
  private modelReason(uniqueId: string, result: DbtRunResult): string {
    if (result.status === 'skipped') {
      const cause = this.failedAncestor(uniqueId);
      return `dbt skipped ${uniqueId}${cause ? ` because ${cause.unique_id} ended ${cause.status}${quote(cause)}` : ''}`;
    }
    return `dbt model ${uniqueId} ended ${result.status}${quote(result)}`;
  }

  private failedAncestor(uniqueId: string): DbtRunResult | undefined {
    const seen = new Set<string>([uniqueId]);
    const queue = [...(this.parents.get(uniqueId) ?? [])];
    while (queue.length > 0) {
      const id = queue.shift()!;
      if (seen.has(id)) continue;
      seen.add(id);
      const result = this.results.get(id);
      if (result && (result.status === 'error' || result.status === 'fail')) return result;
      queue.push(...(this.parents.get(id) ?? []));
    }
    return undefined;
  }
}

// dbt's messages quote compiled SQL and, for data tests, sometimes values: first lines only, scrubbed like warehouse errors.
function quote(result: DbtRunResult): string {
  const message = result.message?.replace(/\s+/g, ' ').trim();
  if (!message) return result.failures ? ` (${result.failures} failing rows)` : '';
  // Scrubbed before it is shortened: a cut through a quoted value would leave a piece no pattern recognizes.
  const scrubbed = scrubErrorText(message);
  return `: ${scrubbed.length > MESSAGE_CHARS ? `${scrubbed.slice(0, MESSAGE_CHARS)}…` : scrubbed}`;
}

/** The first 8 characters of a dbt invocation id, for messages. */
export function shortId(id: string | null | undefined): string {
  return id ? id.slice(0, 8) : '(unknown)';
}

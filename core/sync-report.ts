/**
 * What a plan or sync run produced: the single structure behind `plan`, `sync`, `--json` and the run history.
 * It holds counts and hashes only: raw identifiers never reach a report.
 */
import { EXIT } from './errors.js';
import type { AudienceInfo, CustomerListInfo } from './destination.js';
import type { ActionsReport } from './explicit-actions.js';
import type { IdentifierType, RejectReason, RowRejectReason } from './identifier-types.js';

/** Outcome counts for one mapped result column. */
export interface ColumnStats {
  /** Result column name as configured. */
  column: string;
  /** Identifier type the column is mapped to. */
  type: IdentifierType;
  /** Values normalized and hashed by pinsync. */
  hashed: number;
  /** Values that were already SHA-256 hex and passed through. */
  prehashed: number;
  /** Null, empty or whitespace-only values (not errors). */
  empty: number;
  /** Values refused, by reason; never sent. */
  rejected: Partial<Record<RejectReason, number>>;
}

export interface DiffCounts {
  /** Records Pinterest has acknowledged for this sync before this run. */
  acknowledged: number;
  /** Distinct valid hashed records the source yields now; with explicit actions, the membership the run leaves. */
  current: number;
  /** Records to add (current − acknowledged; all of current with --full-resync). */
  adds: number;
  /** Records to remove (acknowledged − current). */
  removes: number;
  /** Records in both (current ∩ acknowledged). */
  unchanged: number;
}

export type GuardrailVerdict = 'pass' | 'blocked' | 'overridden';

export interface GuardrailResult {
  /** pass: nothing tripped; blocked: the sync stopped (exit 3); overridden: tripped but --force sent anyway. */
  verdict: GuardrailVerdict;
  /** One sentence per guardrail that tripped. */
  reasons: string[];
}

/** Which stages of a run completed, so the report of a run that stopped part-way shows only what was measured. */
export interface StagesReached {
  /** The query was read to the end: sourceRows, scanBytes, columns and rejected are measured. */
  read: boolean;
  /** The diff was computed: diff and samples are measured. */
  diff: boolean;
  /** The guardrails were evaluated: guardrail is a verdict, not a default. */
  guardrail: boolean;
  /** The push started: sent counts what Pinterest acknowledged. */
  push: boolean;
}

export type RunStatus = 'planned' | 'succeeded' | 'failed' | 'guardrail' | 'running' | 'interrupted';

export interface SyncReport {
  /** Sync name from the config. */
  sync: string;
  /** `plan` for plan/--dry-run (nothing sent, nothing stored), `sync` otherwise. */
  mode: 'plan' | 'sync';
  /** Final state of this run. */
  status: RunStatus;
  /** Id of the recorded run (sync mode only). */
  runId: number | undefined;
  /** --full-resync was given. */
  fullResync: boolean;
  /** --force was given. */
  forced: boolean;
  /** ISO time the run started. */
  startedAt: string;
  /** Wall time of the whole run. */
  durationMs: number;
  /** Wall time per phase: reading and normalizing, diffing, pushing (with audience and reconciliation). */
  phases: { readMs: number; diffMs: number; pushMs: number };
  /** Rows the query returned. */
  sourceRows: number;
  /** Bytes the warehouse said the query scans (BigQuery), when it can tell; shown by `plan`. */
  scanBytes: number | undefined;
  /** Per mapped column outcome counts. */
  columns: ColumnStats[];
  /** Rejected values summed over columns, by reason; with explicit actions also the rows of an invalid action. */
  rejected: Partial<Record<RejectReason | RowRejectReason, number>>;
  /** Explicit-action syncs only: the action column's rows and how its records met the membership. */
  actions?: ActionsReport;
  /** Set arithmetic against the acknowledged membership. */
  diff: DiffCounts;
  /** A few hashes of each side, for reviewers (hashes only). */
  samples: { adds: string[]; removes: string[] };
  /** Guardrail verdict. */
  guardrail: GuardrailResult;
  /** What was actually acknowledged by Pinterest in this run. */
  sent: { adds: number; removes: number; batches: number };
  /** Destination identifiers and Pinterest's own view after the run. */
  pinterest: {
    /** Ad account the list lives in. */
    adAccountId: string;
    /** Customer list id, once one exists. */
    customerListId: string | undefined;
    /** Audience id, once one exists. */
    audienceId: string | undefined;
    /** `list_type` the list is (or, in a plan, would be) created with; set only by the run that creates it. */
    listType?: string;
    /** Why that list type: the identifier families with valid values in this run. */
    listTypeReason?: string;
    /** Pinterest's counters and status for the list, read after the run. */
    list: CustomerListInfo | undefined;
    /** Pinterest's view of the audience, read after the run. */
    audience: AudienceInfo | undefined;
    /** HTTP requests made, retries included. */
    apiCalls: number;
    /** Answers that were 429 (rate limited); absent when there were none. */
    rateLimited?: number;
    /** Requests retried after a retryable failure. */
    retries: number;
  };
  /** Things the user should know that did not fail the run. */
  warnings: string[];
  /** Set when the run failed or was stopped by a guardrail. */
  error: { code: string; message: string } | undefined;
  /** Exit code this run contributes (0, 1, 2 or 3). */
  exitCode: number;
  /** Stages that completed; absent from reports stored before pinsync recorded it (then every stage counts as reached). */
  reached?: StagesReached;
}

/** Who a report is about, for `blankReport`. */
export interface ReportSubject {
  /** Sync name. */
  sync: string;
  /** `plan` (a dry run) or `sync`. */
  mode: 'plan' | 'sync';
  /** Ad account of the sync's destination. */
  adAccountId: string;
  /** --full-resync was given. */
  fullResync: boolean;
  /** --force was given. */
  forced: boolean;
  /** When the run started. */
  startedAt: Date;
}

/** A report of a run that has measured nothing yet: every count 0, no stage reached, status `running`, exit 0. */
export function blankReport(subject: ReportSubject): SyncReport {
  return {
    sync: subject.sync,
    mode: subject.mode,
    status: 'running',
    runId: undefined,
    fullResync: subject.fullResync,
    forced: subject.forced,
    startedAt: subject.startedAt.toISOString(),
    durationMs: 0,
    phases: { readMs: 0, diffMs: 0, pushMs: 0 },
    sourceRows: 0,
    scanBytes: undefined,
    columns: [],
    rejected: {},
    diff: { acknowledged: 0, current: 0, adds: 0, removes: 0, unchanged: 0 },
    samples: { adds: [], removes: [] },
    guardrail: { verdict: 'pass', reasons: [] },
    sent: { adds: 0, removes: 0, batches: 0 },
    reached: { read: false, diff: false, guardrail: false, push: false },
    pinterest: { adAccountId: subject.adAccountId, customerListId: undefined, audienceId: undefined, list: undefined, audience: undefined, apiCalls: 0, retries: 0 },
    warnings: [],
    error: undefined,
    exitCode: EXIT.ok,
  };
}

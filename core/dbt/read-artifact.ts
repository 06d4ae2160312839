/**
 * Reads one dbt artifact (manifest.json, run_results.json) and validates only the fields pinsync uses, so newer dbt
 * versions that add keys keep working, while a file that is not the artifact asked for says which field is missing.
 */
import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import { DbtArtifactError } from './dbt-error.js';

/** Which artifact, and the schema versions pinsync reads (dbt 1.5 and later). */
export interface ArtifactKind {
  /** The name in dbt's schema URL: `manifest`, `run-results`. */
  schemaName: string;
  /** File name for messages: `manifest.json`. */
  fileName: string;
  /** Oldest schema version read (`v9` → 9). */
  minVersion: number;
  /** The dbt version that wrote `minVersion`, for the message that refuses an older file. */
  minDbt: string;
}

const SCHEMA_URL = /\/dbt\/([a-z-]+)\/v(\d+)\.json$/;

/** Parses `text` (the file at `path`) as the artifact `kind` with `schema`; throws DbtArtifactError. */
export function parseArtifact<T extends z.ZodType>(text: string, path: string, kind: ArtifactKind, schema: T): z.output<T> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new DbtArtifactError(`${path} is not a dbt ${kind.fileName}: not JSON (${(err as Error).message.split('\n')[0]})`);
  }
  const version = (json as { metadata?: { dbt_schema_version?: unknown } } | null)?.metadata?.dbt_schema_version;
  if (typeof version === 'string') {
    const match = SCHEMA_URL.exec(version);
    if (match && match[1] !== kind.schemaName) {
      throw new DbtArtifactError(`${path} is a dbt ${match[1]} artifact, not ${kind.fileName}`);
    }
    if (match && Number(match[2]) < kind.minVersion) {
      throw new DbtArtifactError(
        `${path} is ${kind.schemaName} v${match[2]}; pinsync reads dbt ${kind.minDbt} and later (${kind.schemaName} v${kind.minVersion}+): upgrade dbt or rebuild the artifacts`,
      );
    }
  }
  const result = schema.safeParse(json);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const field = issue.path.map(String).join('.') || '(the document)';
    const what = issue.code === 'invalid_type' && issue.message.includes('undefined') ? 'is missing' : `is invalid (${issue.message})`;
    throw new DbtArtifactError(`${path} is not a dbt ${kind.fileName} pinsync can read: field ${field} ${what}`);
  }
  return result.data;
}

/** Reads and parses the artifact at `path`; a missing file says which dbt command writes it. */
export function readArtifact<T extends z.ZodType>(path: string, kind: ArtifactKind, schema: T, hint: string): z.output<T> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new DbtArtifactError(`${path} not found: ${hint}`);
    throw new DbtArtifactError(`cannot read ${path}: ${code ?? (err as Error).message}`, { cause: err });
  }
  return parseArtifact(text, path, kind, schema);
}

-- Staging table of an explicit-action sync (core/explicit-actions.ts) on the generic ingest path: each record with
-- the action its row asked for (`remove` true for remove, false for add).
CREATE OR REPLACE TEMP TABLE {{stage_records}} (hash VARCHAR NOT NULL, family UTINYINT NOT NULL, remove BOOLEAN NOT NULL);

-- Staging of an explicit-action sync (core/explicit-actions.ts): as diff-stage.sql, with the action each record's
-- row asked for (`remove` true for remove, false for add).
DROP TABLE IF EXISTS pg_temp.stage_records;
CREATE TEMP TABLE stage_records (h bytea NOT NULL, family smallint NOT NULL, remove boolean NOT NULL);

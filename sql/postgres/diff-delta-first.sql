-- The delta of a sync with nothing acknowledged yet: every current record is an add, nothing is removed.
-- `pos` numbers each side densely from 0 so batches are position ranges. TEMP tables, private to the session's
-- connection: an acknowledged range's records are copied into acked_records (diff-acknowledge.sql), so a killed
-- run's acknowledgements outlive its delta.
DROP TABLE IF EXISTS pg_temp.delta_add;
CREATE TEMP TABLE delta_add AS
SELECT (row_number() OVER () - 1) AS pos, h, family, false AS known FROM pg_temp.current_records;
DROP TABLE IF EXISTS pg_temp.delta_remove;
CREATE TEMP TABLE delta_remove (pos bigint NOT NULL, h bytea NOT NULL, family smallint NOT NULL);

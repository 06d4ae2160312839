-- Staging for the records Node hashed, as 32-byte digests (half the size of their hex) with the family code.
-- TEMP: private to the session's own connection (concurrent sessions never see each other's), never WAL-logged,
-- and gone with the connection at the latest. A table left by an earlier session on this pooled connection whose
-- drop failed is replaced.
DROP TABLE IF EXISTS pg_temp.stage_records;
CREATE TEMP TABLE stage_records (h bytea NOT NULL, family smallint NOT NULL);

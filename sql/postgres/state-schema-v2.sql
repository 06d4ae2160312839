-- pinsync state (PostgreSQL), version 2: adoption that can only take a list our own create produced, and locks whose
-- As sql/default/, with TIMESTAMPTZ: runners in different time zones share this database, and `pg` writes a
-- JavaScript Date in local time, which a TIMESTAMP column would keep without its offset.
-- liveness does not rest on a PID (containers reuse PID 1).

-- JSON array of the ids of lists that already had the pending name before our create was sent: a list found by
-- name afterwards is ours only if it is not one of these.
ALTER TABLE syncs ADD COLUMN pending_list_known_ids VARCHAR;

-- Random per process instance: a lock row whose token is not this process's, in a file only this process can
-- open for writing (DuckDB's file lock), is stale whatever its pid says.
ALTER TABLE locks ADD COLUMN owner_token VARCHAR;
-- When the holder's process started, for the message a second runner sees.
ALTER TABLE locks ADD COLUMN process_started_at TIMESTAMPTZ;
-- Lease end, moved forward by the heartbeat: past it, a lock in shared state may be taken over.
ALTER TABLE locks ADD COLUMN expires_at TIMESTAMPTZ;

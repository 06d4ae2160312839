-- pinsync state, version 3: locks in shared state (Postgres) are session advisory locks held on a connection of
-- their own; the row names that connection's backend so liveness is checked against the server itself.

-- pg_backend_pid() of the connection holding the sync's advisory lock; null in a DuckDB file (its file lock and
-- the owner token decide there).
ALTER TABLE locks ADD COLUMN backend_pid INTEGER;

-- Postgres only: REMOVE acknowledgements and diffs look digests up per sync; without this each batch of removals
-- scans the whole shared membership table. (DuckDB keeps no index on purpose: see state-schema-v1.sql.)
CREATE INDEX membership_sync_h ON membership (sync_id, h);

-- Moves the range's new records into membership and marks them applied, in one statement (and in the caller's
-- transaction, so both roll back together): a replayed acknowledgement finds nothing left to insert.
WITH moved AS (
  UPDATE pg_temp.delta_add SET applied = true
  WHERE pos >= $1 AND pos < $2 AND NOT applied AND NOT known
  RETURNING h, family
)
INSERT INTO {{membership}} (sync_id, h, family) SELECT {{syncId}}, h, family FROM moved;

-- Deletes the range's records from membership (a replay finds them gone). Without an index on membership
-- (sync_id, h) each batch scans the table once.
WITH moved AS (
  UPDATE pg_temp.delta_remove SET applied = true
  WHERE pos >= $1 AND pos < $2 AND NOT applied
  RETURNING h
)
DELETE FROM {{membership}} m USING moved WHERE m.sync_id = {{syncId}} AND m.h = moved.h;

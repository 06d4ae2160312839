-- Moves the range's new records into membership and marks them applied; both run in the caller's transaction, so
-- they roll back together, and a replayed acknowledgement finds nothing left to insert.
INSERT INTO membership (sync_id, h, family)
SELECT {{syncId}}, h, family FROM {{delta_add}} WHERE pos >= {{start}} AND pos < {{end}} AND NOT known AND NOT applied;
UPDATE {{delta_add}} SET applied = true WHERE pos >= {{start}} AND pos < {{end}};

-- Applies every recorded acknowledgement of the sync to the membership and forgets them, in the caller's
-- transaction: the whole application commits once or not at all, so it happens exactly once. DISTINCT: a replayed
-- acknowledgement recorded its records twice.
INSERT INTO {{membership}} (sync_id, h, family)
SELECT DISTINCT {{syncId}}, h, family FROM {{acked}} WHERE sync_id = {{syncId}} AND op = 'ADD';
DELETE FROM {{membership}} WHERE sync_id = {{syncId}} AND h IN (SELECT h FROM {{acked}} WHERE sync_id = {{syncId}} AND op = 'REMOVE');
DELETE FROM {{acked}} WHERE sync_id = {{syncId}};

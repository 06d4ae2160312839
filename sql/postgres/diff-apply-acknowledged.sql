-- Applies every recorded acknowledgement of the sync to the membership and forgets them, in the caller's
-- transaction: the whole application commits once or not at all, so it happens exactly once. DISTINCT: a replayed
-- acknowledgement recorded its records twice. Inserted in digest order: the (sync_id, h) index is then walked in
-- order, each page visited once, not at random.
INSERT INTO {{membership}} (sync_id, h, family)
SELECT DISTINCT {{syncId}}, h, family FROM {{acked}} WHERE sync_id = {{syncId}} AND op = 'ADD' ORDER BY 2;
DELETE FROM {{membership}} WHERE sync_id = {{syncId}} AND h IN (SELECT h FROM {{acked}} WHERE sync_id = {{syncId}} AND op = 'REMOVE');
DELETE FROM {{acked}} WHERE sync_id = {{syncId}};

-- Applies every recorded acknowledgement of the sync to the membership and forgets them, in ONE statement: the rows
-- deleted from {{acked}} are exactly the rows applied (a separate DELETE under READ COMMITTED could also take rows
-- committed after the INSERT's snapshot). DISTINCT: a range acknowledged twice recorded its records twice. Inserted in
-- digest order: the (sync_id, h) index is then walked in order, each page visited once, not at random.
WITH taken AS (
  DELETE FROM {{acked}} WHERE sync_id = {{syncId}} RETURNING op, h, family
), added AS (
  INSERT INTO {{membership}} (sync_id, h, family)
  SELECT DISTINCT {{syncId}}, h, family FROM taken WHERE op = 'ADD' ORDER BY 2
)
DELETE FROM {{membership}} WHERE sync_id = {{syncId}} AND h IN (SELECT h FROM taken WHERE op = 'REMOVE');

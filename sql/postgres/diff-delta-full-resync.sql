-- --full-resync: every current record is sent again as ADD; `known` marks the ones already acknowledged so that
-- acknowledging them does not duplicate membership rows. Removals are computed as usual. A LEFT JOIN rather than
-- EXISTS in the select list, which Postgres would run as one membership lookup per current record.
DROP TABLE IF EXISTS pg_temp.delta_add;
CREATE TEMP TABLE delta_add AS
SELECT (row_number() OVER () - 1) AS pos, c.h, c.family, (m.h IS NOT NULL) AS known
FROM pg_temp.current_records c
LEFT JOIN (SELECT h FROM {{membership}} WHERE sync_id = {{syncId}}) m ON m.h = c.h;

DROP TABLE IF EXISTS pg_temp.delta_remove;
CREATE TEMP TABLE delta_remove AS
SELECT (row_number() OVER () - 1) AS pos, m.h, m.family
FROM {{membership}} m
WHERE m.sync_id = {{syncId}} AND NOT EXISTS (SELECT 1 FROM pg_temp.current_records c WHERE c.h = m.h);

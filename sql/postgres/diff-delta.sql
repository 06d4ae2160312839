-- Freezes this run's delta: current minus acknowledged, and acknowledged minus current, as two anti-joins that the
-- planner runs as hash anti-joins (spilling to disk past work_mem, never into Node). See diff-delta-first.sql for
-- `pos` and `applied`.
DROP TABLE IF EXISTS pg_temp.delta_add;
CREATE TEMP TABLE delta_add AS
SELECT (row_number() OVER () - 1) AS pos, c.h, c.family, false AS known, false AS applied
FROM pg_temp.current_records c
WHERE NOT EXISTS (SELECT 1 FROM {{membership}} m WHERE m.sync_id = {{syncId}} AND m.h = c.h);

DROP TABLE IF EXISTS pg_temp.delta_remove;
CREATE TEMP TABLE delta_remove AS
SELECT (row_number() OVER () - 1) AS pos, m.h, m.family, false AS applied
FROM {{membership}} m
WHERE m.sync_id = {{syncId}} AND NOT EXISTS (SELECT 1 FROM pg_temp.current_records c WHERE c.h = m.h);

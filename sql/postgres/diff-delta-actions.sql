-- The delta of an explicit-action sync (core/explicit-actions.ts): no diff against the query's whole result, only the
-- actions the rows asked for, met with the acknowledged membership. Per distinct record: whether some row adds it and
-- whether some row removes it. Adds: asked to add, not also asked to remove (remove wins), not a member already.
-- Removes: asked to remove and a member; the member's family is kept. `pos` as in diff-delta-first.sql.
DROP TABLE IF EXISTS pg_temp.current_records;
CREATE TEMP TABLE current_records AS
SELECT h, min(family) AS family, bool_or(NOT remove) AS asked_add, bool_or(remove) AS asked_remove
FROM pg_temp.stage_records GROUP BY h;
DROP TABLE pg_temp.stage_records;
ANALYZE pg_temp.current_records;

DROP TABLE IF EXISTS pg_temp.delta_add;
CREATE TEMP TABLE delta_add AS
SELECT (row_number() OVER () - 1) AS pos, c.h, c.family, false AS known
FROM pg_temp.current_records c
WHERE c.asked_add AND NOT c.asked_remove
  AND NOT EXISTS (SELECT 1 FROM {{membership}} m WHERE m.sync_id = {{syncId}} AND m.h = c.h);

DROP TABLE IF EXISTS pg_temp.delta_remove;
CREATE TEMP TABLE delta_remove AS
SELECT (row_number() OVER () - 1) AS pos, m.h, m.family
FROM pg_temp.current_records c
JOIN {{membership}} m ON m.sync_id = {{syncId}} AND m.h = c.h
WHERE c.asked_remove;

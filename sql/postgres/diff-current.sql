-- The source's distinct valid records. A hash seen under two families keeps the smallest code, so the choice is
-- deterministic; Pinterest matches the string either way. Autovacuum never analyzes temp tables: without ANALYZE
-- the planner would guess the size of the set every diff query joins.
DROP TABLE IF EXISTS pg_temp.current_records;
CREATE TEMP TABLE current_records AS
SELECT h, min(family) AS family FROM pg_temp.stage_records GROUP BY h;
DROP TABLE pg_temp.stage_records;
ANALYZE pg_temp.current_records;

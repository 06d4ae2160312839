-- Plan mode: counts only, no positions and no delta tables. Adds and removes follow from the intersection.
SELECT
  (SELECT count(*) FROM {{membership}} WHERE sync_id = {{syncId}}) AS acknowledged,
  (SELECT count(*) FROM pg_temp.current_records) AS current,
  (SELECT count(*) FROM pg_temp.current_records c JOIN {{membership}} m ON m.sync_id = {{syncId}} AND m.h = c.h) AS common;

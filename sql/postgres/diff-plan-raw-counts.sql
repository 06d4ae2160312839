-- Plan mode after diff-delta-raw.sql: adds are the distinct new hashes (the staged records were not made distinct).
SELECT
  (SELECT count(*) FROM {{membership}} WHERE sync_id = {{syncId}}) AS acknowledged,
  (SELECT count(DISTINCT add_h) FROM pg_temp.delta_raw WHERE add_h IS NOT NULL) AS adds,
  (SELECT count(*) FROM pg_temp.delta_raw WHERE remove_h IS NOT NULL) AS removes;

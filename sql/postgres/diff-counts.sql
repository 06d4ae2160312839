SELECT
  (SELECT count(*) FROM {{membership}} WHERE sync_id = {{syncId}}) AS acknowledged,
  (SELECT count(*) FROM pg_temp.current_records) AS current,
  (SELECT count(*) FROM pg_temp.delta_add) AS adds,
  (SELECT count(*) FROM pg_temp.delta_remove) AS removes;

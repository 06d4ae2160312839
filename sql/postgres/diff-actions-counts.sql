-- Counts of an explicit-action delta (diff-delta-actions.sql): the membership's size, the distinct records asked to
-- be added, removed and both, and the delta's two sides.
SELECT
  (SELECT count(*) FROM {{membership}} WHERE sync_id = {{syncId}}) AS acknowledged,
  count(*) FILTER (WHERE asked_add) AS add_records,
  count(*) FILTER (WHERE asked_remove) AS remove_records,
  count(*) FILTER (WHERE asked_add AND asked_remove) AS conflicts,
  (SELECT count(*) FROM pg_temp.delta_add) AS adds,
  (SELECT count(*) FROM pg_temp.delta_remove) AS removes
FROM pg_temp.current_records;

SELECT
  (SELECT count(*) FROM membership WHERE sync_id = {{syncId}}) AS acknowledged,
  (SELECT count(*) FROM {{current_records}}) AS current,
  (SELECT count(*) FROM {{delta_add}}) AS adds,
  (SELECT count(*) FROM {{delta_remove}}) AS removes;

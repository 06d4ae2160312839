DROP TABLE IF EXISTS pg_temp.stage_records, pg_temp.current_records, pg_temp.delta_raw, pg_temp.delta_add, pg_temp.delta_remove;

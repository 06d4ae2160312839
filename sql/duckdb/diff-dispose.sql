-- A session's temp tables carry its own suffix ({{stage_records}} renders as e.g. stage_records_s3): several
-- sessions share the state's connection, and temp tables are per connection.
DROP VIEW IF EXISTS temp.main.{{current_hex}};
DROP TABLE IF EXISTS temp.main.{{current_hex_distinct}};
DROP TABLE IF EXISTS temp.main.{{stage_records}};
DROP TABLE IF EXISTS temp.main.{{stage_groups}};
DROP TABLE IF EXISTS temp.main.{{current_records}};
DROP TABLE IF EXISTS temp.main.{{delta_add}};
DROP TABLE IF EXISTS temp.main.{{delta_remove}};

DROP VIEW IF EXISTS temp.main.current_hex;
DROP TABLE IF EXISTS temp.main.current_hex_distinct;
DROP TABLE IF EXISTS temp.main.ack_hex;
DROP TABLE IF EXISTS temp.main.stage_records;
DROP TABLE IF EXISTS temp.main.stage_groups;
DROP TABLE IF EXISTS temp.main.current_records;
DROP TABLE IF EXISTS temp.main.delta_add;
DROP TABLE IF EXISTS temp.main.delta_remove;

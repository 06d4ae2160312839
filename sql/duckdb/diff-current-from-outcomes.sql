CREATE OR REPLACE TEMP TABLE current_records AS
SELECT unhex(h) AS h, family FROM stage_groups WHERE by_kind = 0 AND h IS NOT NULL;

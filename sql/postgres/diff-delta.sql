-- Freezes the delta diff-delta-raw.sql found, numbered: see diff-delta-first.sql for `pos`.
-- A hash staged under two families keeps the smallest code, as in diff-current.sql.
DROP TABLE IF EXISTS pg_temp.delta_add;
CREATE TEMP TABLE delta_add AS
SELECT (row_number() OVER () - 1) AS pos, add_h AS h, min(add_family) AS family, false AS known
FROM pg_temp.delta_raw WHERE add_h IS NOT NULL GROUP BY add_h;

DROP TABLE IF EXISTS pg_temp.delta_remove;
CREATE TEMP TABLE delta_remove AS
SELECT (row_number() OVER () - 1) AS pos, remove_h AS h, remove_family AS family
FROM pg_temp.delta_raw WHERE remove_h IS NOT NULL;
DROP TABLE pg_temp.delta_raw;

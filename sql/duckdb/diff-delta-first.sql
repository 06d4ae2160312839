-- The delta of a sync with nothing acknowledged yet: every current record is an add, nothing is removed.
CREATE OR REPLACE TEMP TABLE {{delta_add}} AS
SELECT h, family, false AS known, (row_number() OVER () - 1) AS pos FROM {{current_records}};
CREATE OR REPLACE TEMP TABLE {{delta_remove}} (h BLOB, family UTINYINT, pos BIGINT);

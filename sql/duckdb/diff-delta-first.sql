-- The delta of a sync with nothing acknowledged yet: every current record is an add, nothing is removed.
-- The delta is a table of the state file (the scope placeholder is empty), kept until its acknowledged ranges are applied
-- (acknowledged-ranges.ts), so a killed run's ranges can still be applied by the next run. TEMP only for a session
-- that can acknowledge nothing (a sync with no state row).
CREATE OR REPLACE {{deltaScope}} TABLE {{delta_add}} AS
SELECT h, family, false AS known, (row_number() OVER () - 1) AS pos FROM {{current_records}};
CREATE OR REPLACE {{deltaScope}} TABLE {{delta_remove}} (h BLOB, family UTINYINT, pos BIGINT);

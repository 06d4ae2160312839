-- The delta of a sync with nothing acknowledged yet: every current record is an add, nothing is removed.
-- `pos` numbers each side densely from 0 so batches are position ranges. The two delta tables are the sync's own
-- tables in the state schema (TEMP only for a session with no state row, which can acknowledge nothing): they are
-- kept until their acknowledged ranges are applied (acknowledged-ranges.ts), by this run or, after a kill, the next.
DROP TABLE IF EXISTS {{delta_add}};
CREATE {{deltaScope}} TABLE {{delta_add}} AS
SELECT (row_number() OVER () - 1) AS pos, h, family, false AS known FROM pg_temp.current_records;
DROP TABLE IF EXISTS {{delta_remove}};
CREATE {{deltaScope}} TABLE {{delta_remove}} (pos bigint NOT NULL, h bytea NOT NULL, family smallint NOT NULL);

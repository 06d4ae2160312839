-- This run's delta in one pass: the staged records FULL JOIN the acknowledged membership, keeping the rows
-- one side lacks (a hash join, spilling to disk past work_mem, never into Node). The staged records are not made
-- distinct first: a churn run's delta is a small part of the set, so only its new records are grouped, after the
-- join, instead of every staged record before it. Measured at 1M records and 1% churn, this is a third of the server
-- CPU of a GROUP BY and two anti-joins. diff-delta.sql freezes it; a counts-only plan counts and samples it as is.
DROP TABLE IF EXISTS pg_temp.delta_raw;
CREATE TEMP TABLE delta_raw AS
SELECT s.h AS add_h, s.family AS add_family, m.h AS remove_h, m.family AS remove_family
FROM pg_temp.stage_records s
FULL JOIN (SELECT h, family FROM {{membership}} WHERE sync_id = {{syncId}}) m ON m.h = s.h
WHERE s.h IS NULL OR m.h IS NULL;
DROP TABLE pg_temp.stage_records;

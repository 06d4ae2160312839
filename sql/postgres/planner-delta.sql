-- diff: warehouse, step 2: freezes the delta in <delta> (a table of the planner schema named by run, or a TEMP
-- table for a plan), each side numbered densely from 0 so batches are position ranges. <members> is the sync's
-- acknowledged membership (a relation with a bytea column h). <addFilter> keeps only the current hashes missing
-- from it, or (--full-resync: empty) every current hash.
CREATE {{temp}} TABLE {{delta}} AS
SELECT 'ADD'::text AS op, (row_number() OVER () - 1) AS pos, s.h
FROM pg_temp.planner_stage s
WHERE s.by_kind = 0 AND s.h IS NOT NULL {{addFilter}}
UNION ALL
SELECT 'REMOVE'::text, (row_number() OVER () - 1), m.h
FROM {{members}} m
WHERE NOT EXISTS (SELECT 1 FROM pg_temp.planner_stage s WHERE s.by_kind = 0 AND s.h = m.h);
-- Batches read and acknowledge position ranges: the key makes each touch only its own rows.
ALTER TABLE {{delta}} ADD PRIMARY KEY (op, pos);

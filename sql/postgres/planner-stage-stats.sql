-- The per-column outcome counts planner-stage.sql kept, and the size of the current set. Only counts leave.
SELECT col, kind, n FROM pg_temp.planner_stage WHERE by_kind = 1
UNION ALL
SELECT -1, 'current', count(*) FROM pg_temp.planner_stage WHERE by_kind = 0 AND h IS NOT NULL;

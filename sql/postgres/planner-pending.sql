-- A plan (which applies nothing) or a count: the records of recorded, unapplied ranges of ONE delta table
-- <delta>, gathered into pg_temp.planner_pending so the membership can be read as it will be once they are applied.
-- $1 ops, $2 starts, $3 ends.
INSERT INTO pg_temp.planner_pending (op, h)
SELECT DISTINCT d.op, d.h FROM {{delta}} d
JOIN unnest($1::text[], $2::bigint[], $3::bigint[]) AS r(op, s, e) ON d.op = r.op AND d.pos >= r.s AND d.pos < r.e;

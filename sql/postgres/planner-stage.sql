-- diff: warehouse, step 1, ONE statement: the user's query (<pipeline> wraps it and yields one normalization
-- outcome o0..oN per mapped column, see sql/postgres/normalize-v1.sql for the one-string outcome form), unnested to
-- (column, outcome) pairs, and one aggregation with two grouping sets: the distinct hashes (by_kind = 0, grouped by
-- h) and the value count of each column by outcome kind (by_kind = 1, grouped by col, kind). Hashes are 32-byte
-- digests. TEMP: private to the session's connection, never WAL-logged, gone with it. OFFSET 0 keeps the pipeline
-- a subquery of its own: flattened, each outcome (an inlined normalization expression) would be computed once per
-- reference in the CASEs below instead of once per value (measured: 2.9 s against 1.1 s for 100k emails).
DROP TABLE IF EXISTS pg_temp.planner_stage;
CREATE TEMP TABLE planner_stage AS
SELECT col, kind, h, count(*) AS n, GROUPING(h) AS by_kind
FROM (
  SELECT o.col,
         CASE WHEN length(o.outcome) = 64 THEN 'hashed'
              WHEN length(o.outcome) = 65 THEN 'prehashed'
              ELSE o.outcome END AS kind,
         CASE WHEN length(o.outcome) >= 64 THEN decode(right(o.outcome, 64), 'hex') END AS h
  FROM ({{pipeline}} OFFSET 0) AS pinsync_outcomes
  CROSS JOIN LATERAL (VALUES {{pairs}}) AS o(col, outcome)
) AS t
GROUP BY GROUPING SETS ((h), (col, kind));

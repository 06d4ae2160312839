-- Plan of a sync with nothing acknowledged yet: everything valid is an add, so only counts and a few sample hashes
-- are needed. The same single-pass aggregation as diff-pushdown-outcomes.sql, summarized on the fly instead of
-- materializing every distinct hash (on ten million records that copy is a quarter of the plan's time).
-- by_kind = 0: one row whose `distinct_hashes` is the current set's size and `samples` a few of its hashes;
-- by_kind = 1: one row per (column, outcome kind) with its value count.
SELECT by_kind, col, kind, count(h) AS distinct_hashes, sum(n) AS n, min(h, {{samples}}) AS samples
FROM (
  SELECT col, kind, h, count(*) AS n, grouping(h) AS by_kind
  FROM (
    SELECT col,
           CASE WHEN strlen(outcome) = 64 THEN outcome WHEN strlen(outcome) = 65 THEN right(outcome, 64) END AS h,
           CASE WHEN strlen(outcome) = 64 THEN 'hashed'
                WHEN strlen(outcome) = 65 THEN 'prehashed'
                ELSE outcome END AS kind
    FROM (SELECT unnest([{{columns}}]) AS col, unnest([{{outcomes}}]) AS outcome FROM ({{pipeline}}))
  )
  GROUP BY GROUPING SETS ((h), (col, kind))
)
GROUP BY ALL;

-- Pushdown ingest: the user's query, normalization and hashing in one DuckDB pipeline; rows never reach Node.
-- The pipeline (placeholder below) yields one outcome column per mapped column (see connectors/duckdb/duckdb-normalization.ts);
-- UNNEST turns each row into one (column, family, outcome) triple, so the query runs once.
-- One aggregation with two grouping sets gives, in a single pass, the distinct hashes (grouped by h) and the
-- outcome counts per column (grouped by col, kind). A 64-char outcome is a hash we made, '=' + hash was
-- prehashed, anything else is the status word (empty or a rejection reason). Hashes are kept as 32-byte digests,
-- the form they are stored in, so this table can become the current set without a copy.
CREATE OR REPLACE TEMP TABLE {{stage_groups}} AS
SELECT col, kind, h, min(fam) AS family, count(*) AS n, grouping(h) AS by_kind
FROM (
  SELECT col, fam,
         CASE WHEN length(outcome) >= 64 THEN unhex(right(outcome, 64)) END AS h,
         CASE WHEN length(outcome) = 64 THEN 'hashed'
              WHEN length(outcome) = 65 THEN 'prehashed'
              ELSE outcome END AS kind
  FROM (SELECT unnest([{{columns}}]) AS col, unnest([{{families}}]) AS fam, unnest([{{outcomes}}]) AS outcome FROM ({{pipeline}}))
)
GROUP BY GROUPING SETS ((h), (col, kind));

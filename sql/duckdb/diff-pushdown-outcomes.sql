-- Pushdown ingest: the user's query, normalization and hashing in one DuckDB pipeline; rows never reach Node.
-- The pipeline (placeholder below) yields one outcome column per mapped column (see connectors/duckdb/duckdb-normalization.ts);
-- UNNEST turns each row into one (column, family, outcome) triple, so the query runs once.
-- One aggregation with two grouping sets gives, in a single pass, the distinct hashes (grouped by h) and the
-- outcome counts per column (grouped by col, kind). A 64-char outcome is a hash we made, '=' + hash was
-- prehashed, anything else is the status word (empty or a rejection reason). Outcomes are ASCII, so their byte
-- length (strlen, read off the string header) is their length; length() would count code points, and right()
-- find them, on every row. Hashes are kept as 32-byte digests,
-- the form they are stored in, so this table can become the current set without a copy.
CREATE OR REPLACE TEMP TABLE {{stage_groups}} AS
SELECT col, kind, h, min(fam) AS family, count(*) AS n, grouping(h) AS by_kind
FROM (
  SELECT col, fam,
         CASE WHEN strlen(outcome) = 64 THEN unhex(outcome) WHEN strlen(outcome) = 65 THEN unhex(right(outcome, 64)) END AS h,
         CASE WHEN strlen(outcome) = 64 THEN 'hashed'
              WHEN strlen(outcome) = 65 THEN 'prehashed'
              ELSE outcome END AS kind
  FROM (SELECT unnest([{{columns}}]) AS col, unnest([{{families}}]) AS fam, unnest([{{outcomes}}]) AS outcome FROM ({{pipeline}}))
)
GROUP BY GROUPING SETS ((h), (col, kind));

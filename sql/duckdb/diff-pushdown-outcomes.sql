-- Pushdown ingest: the user's query, normalization and hashing in one DuckDB pipeline; rows never reach Node.
-- {{columns}} / {{outcomes}} are parallel lists (column index, normalization outcome per mapped column), so the
-- query runs once and UNNEST turns each row into one outcome per mapped column.
CREATE OR REPLACE TEMP TABLE stage_outcomes AS
SELECT unnest([{{columns}}]) AS col, unnest([{{outcomes}}]) AS outcome
FROM ({{query}}) AS pinsync_source;

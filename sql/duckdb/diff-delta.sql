-- Freezes this run's delta. `pos` numbers each side densely from 0 so batches are position ranges: a batch can be
-- re-read, split in halves or acknowledged by range without holding hashes in Node.
-- `known` marks adds that are already acknowledged (only with --full-resync, which re-sends everyone) so that
-- acknowledging them does not duplicate membership rows. LEFT JOINs rather than NOT EXISTS: DuckDB may build an
-- outer join's hash table on the smaller side, an anti-join's always on its right side.
CREATE OR REPLACE TEMP TABLE delta_add AS
SELECT h, family, known, (row_number() OVER () - 1) AS pos
FROM (
  SELECT c.h, c.family, (m.h IS NOT NULL) AS known
  FROM current_records c
  LEFT JOIN (SELECT h FROM membership WHERE sync_id = {{syncId}}) m ON m.h = c.h
  WHERE {{fullResync}} OR m.h IS NULL
);

CREATE OR REPLACE TEMP TABLE delta_remove AS
SELECT h, family, (row_number() OVER () - 1) AS pos
FROM (
  SELECT m.h, m.family
  FROM (SELECT h, family FROM membership WHERE sync_id = {{syncId}}) m
  LEFT JOIN current_records c ON c.h = m.h
  WHERE c.h IS NULL
);

-- --full-resync: every current record is sent again as ADD; `known` marks the ones already acknowledged so that
-- acknowledging them does not duplicate membership rows. Removals are computed as usual.
CREATE OR REPLACE TEMP TABLE {{delta_add}} AS
SELECT h, family, known, (row_number() OVER () - 1) AS pos
FROM (
  SELECT c.h, c.family, (m.h IS NOT NULL) AS known
  FROM {{current_records}} c
  LEFT JOIN (SELECT h FROM membership WHERE sync_id = {{syncId}}) m ON m.h = c.h
);

CREATE OR REPLACE TEMP TABLE {{delta_remove}} AS
SELECT h, family, (row_number() OVER () - 1) AS pos
FROM (
  SELECT m.h, m.family
  FROM (SELECT h, family FROM membership WHERE sync_id = {{syncId}}) m
  LEFT JOIN {{current_records}} c ON c.h = m.h
  WHERE c.h IS NULL
);

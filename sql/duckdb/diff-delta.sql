-- Freezes this run's delta. `pos` numbers each side densely from 0 so batches are position ranges: a batch can be
-- re-read, split in halves or acknowledged by range without holding hashes in Node.
-- One FULL OUTER JOIN finds both sides at once (a single hash table over the current set instead of two); only the
-- difference, usually small, is kept.
CREATE OR REPLACE TEMP TABLE {{delta_both}} AS
SELECT c.h AS ch, c.family AS cf, m.h AS mh, m.family AS mf
FROM {{current_records}} c
FULL OUTER JOIN (SELECT h, family FROM membership WHERE sync_id = {{syncId}}) m ON m.h = c.h
WHERE c.h IS NULL OR m.h IS NULL;

CREATE OR REPLACE TEMP TABLE {{delta_add}} AS
SELECT ch AS h, cf AS family, false AS known, (row_number() OVER () - 1) AS pos FROM {{delta_both}} WHERE mh IS NULL;

CREATE OR REPLACE TEMP TABLE {{delta_remove}} AS
SELECT mh AS h, mf AS family, (row_number() OVER () - 1) AS pos FROM {{delta_both}} WHERE ch IS NULL;

DROP TABLE {{delta_both}};

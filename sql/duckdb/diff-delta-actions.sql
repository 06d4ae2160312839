-- The delta of an explicit-action sync (core/explicit-actions.ts): no diff against the query's whole result, only the
-- actions the rows asked for, met with the acknowledged membership {{membership}} (a relation of h, family).
-- Per distinct record: whether some row adds it and whether some row removes it. Adds: asked to add, not also asked
-- to remove (remove wins), not a member already. Removes: asked to remove and a member; the member's family is kept.
-- `pos` numbers each side densely from 0, as in diff-delta.sql, so batching and acknowledgement are unchanged.
CREATE OR REPLACE TEMP TABLE {{current_records}} AS
SELECT unhex(hash) AS h, min(family) AS family, bool_or(NOT remove) AS asked_add, bool_or(remove) AS asked_remove
FROM {{stage_records}}
GROUP BY hash;

CREATE OR REPLACE TEMP TABLE {{delta_add}} AS
SELECT c.h, c.family, false AS known, (row_number() OVER () - 1) AS pos
FROM {{current_records}} c
LEFT JOIN {{membership}} m ON m.h = c.h
WHERE c.asked_add AND NOT c.asked_remove AND m.h IS NULL;

CREATE OR REPLACE TEMP TABLE {{delta_remove}} AS
SELECT m.h, m.family, (row_number() OVER () - 1) AS pos
FROM {{current_records}} c
JOIN {{membership}} m ON m.h = c.h
WHERE c.asked_remove;

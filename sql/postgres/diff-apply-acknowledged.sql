-- Applies every recorded range of the sync's frozen delta to the membership and forgets the ranges, in the caller's
-- transaction: the whole application commits once or not at all. {{addRanges}} / {{removeRanges}} are the merged
-- intervals of positions (acknowledged-ranges.ts), usually one per side, so each side is read once.
-- `known` marks adds already stored (--full-resync sends them again): inserting them would duplicate rows.
-- Inserted in digest order: the (sync_id, h) index is then walked in order, each page visited once, not at random.
INSERT INTO {{membership}} (sync_id, h, family)
SELECT {{syncId}}, h, family FROM {{delta_add}} WHERE NOT known AND ({{addRanges}}) ORDER BY h;
DELETE FROM {{membership}} WHERE sync_id = {{syncId}} AND h IN (SELECT h FROM {{delta_remove}} WHERE {{removeRanges}});
DELETE FROM acked_ranges WHERE sync_id = {{syncId}};

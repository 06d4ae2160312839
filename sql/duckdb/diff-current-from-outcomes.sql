-- The grouped outcomes become the current set in place: drop the per-column count rows and rename. Copying eleven
-- million digests into a new table would double the memory the diff needs at its peak.
DELETE FROM {{stage_groups}} WHERE by_kind = 1 OR h IS NULL;
ALTER TABLE {{stage_groups}} RENAME TO {{current_records}};

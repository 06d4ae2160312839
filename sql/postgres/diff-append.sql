-- One batch of hex hashes and family codes, bound as two arrays: one statement and one round trip per batch,
-- whatever its size, with no SQL text built from values.
INSERT INTO pg_temp.stage_records (h, family)
SELECT decode(u.h, 'hex'), u.family FROM unnest($1::text[], $2::smallint[]) AS u(h, family);

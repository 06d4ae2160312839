-- One batch as two binary parameters: $1 the 32-byte digests end to end, $2 one family code byte per digest, $3 how
-- many. One statement and one round trip per batch, no SQL text built from values, and no hex to encode in Node or
-- decode in the server: measured on 1.13M records, a third of the server CPU and half of Node's of binding the
-- batch as two arrays of hex text and smallints.
INSERT INTO pg_temp.stage_records (h, family)
SELECT substr($1::bytea, i * 32 + 1, 32), get_byte($2::bytea, i) FROM generate_series(0, $3::int - 1) AS i;

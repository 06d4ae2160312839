-- One batch of an explicit-action sync, as diff-append.sql with $4: one byte per digest, 1 for remove, 0 for add.
INSERT INTO pg_temp.stage_records (h, family, remove)
SELECT substr($1::bytea, i * 32 + 1, 32), get_byte($2::bytea, i), get_byte($4::bytea, i) = 1 FROM generate_series(0, $3::int - 1) AS i;

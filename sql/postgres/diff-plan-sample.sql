-- Plan mode: up to $1 hashes of {{from}} missing from {{other}} (relations with a bytea column h).
SELECT encode(s.h, 'hex') AS h FROM {{from}} s WHERE NOT EXISTS (SELECT 1 FROM {{other}} o WHERE o.h = s.h) LIMIT $1;

-- One row holding the range's digests as comma-joined hex: parsing a row per digest cost more than the query.
SELECT string_agg(encode(h, 'hex'), ',' ORDER BY pos) AS hashes FROM {{table}} WHERE pos >= $1 AND pos < $2;

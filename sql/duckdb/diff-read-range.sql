-- One row holding the range's digests as comma-joined hex: building a JS object per row cost more than the query.
SELECT string_agg(lower(hex(h)), ',' ORDER BY pos) AS hashes FROM {{table}} WHERE pos >= {{start}} AND pos < {{end}};

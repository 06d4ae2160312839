-- The digests at positions [$2, $3) of side $1, end to end in one value, base64 without line breaks: 43 bytes a
-- hash on the wire (hex would be 64; a binary result would be 32, but pg decodes every result field as UTF-8 text).
SELECT translate(encode(string_agg(h, ''::bytea ORDER BY pos), 'base64'), E'\n', '') AS hashes
FROM {{delta}} WHERE op = $1 AND pos >= $2 AND pos < $3;

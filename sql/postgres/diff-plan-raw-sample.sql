-- Plan mode after diff-delta-raw.sql: up to $1 hashes of one side ({{column}}: add_h or remove_h).
SELECT DISTINCT encode({{column}}, 'hex') AS h FROM pg_temp.delta_raw WHERE {{column}} IS NOT NULL LIMIT $1;

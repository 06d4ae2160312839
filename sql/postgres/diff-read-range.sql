SELECT encode(h, 'hex') AS hash FROM pg_temp.{{table}} WHERE pos >= $1 AND pos < $2 ORDER BY pos;

SELECT lower(hex(h)) AS hash FROM {{table}} WHERE pos >= {{start}} AND pos < {{end}} ORDER BY pos;

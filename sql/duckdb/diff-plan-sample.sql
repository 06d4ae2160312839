-- {{from}} is the side to sample, {{other}} the side it must be missing from; LEFT JOIN lets DuckDB build on the
-- smaller side. {{out}} renders s.h as hex.
SELECT {{out}} AS h FROM {{from}} s LEFT JOIN {{other}} o ON o.h = s.h WHERE o.h IS NULL LIMIT {{limit}};

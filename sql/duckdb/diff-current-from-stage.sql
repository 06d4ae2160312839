-- The source's distinct valid records. A hash seen under two families keeps the smallest code, so the choice is
-- deterministic; Pinterest matches the string either way.
CREATE OR REPLACE TEMP TABLE {{current_records}} AS
SELECT unhex(hash) AS h, min(family) AS family
FROM {{stage_records}}
GROUP BY hash;

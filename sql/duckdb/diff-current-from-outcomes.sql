CREATE OR REPLACE TEMP TABLE current_records AS
SELECT unhex(right(outcome, 64)) AS h, min(family) AS family
FROM (SELECT outcome, ({{familyCase}}) AS family FROM stage_outcomes WHERE length(outcome) >= 64)
GROUP BY ALL;

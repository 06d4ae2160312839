-- Outcome counts per mapped column: a 64-char outcome is a hash we made, '=' + hash was prehashed, anything else
-- is the status word (empty or a rejection reason).
SELECT col,
       CASE WHEN length(outcome) = 64 THEN 'hashed'
            WHEN length(outcome) = 65 THEN 'prehashed'
            ELSE outcome END AS kind,
       count(*) AS n
FROM stage_outcomes
GROUP BY ALL;

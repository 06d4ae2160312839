-- The frozen delta's sizes and the membership it was computed against.
SELECT
  (SELECT count(*) FROM {{members}} m) AS acknowledged,
  (SELECT count(*) FROM {{delta}} WHERE op = 'ADD') AS adds,
  (SELECT count(*) FROM {{delta}} WHERE op = 'REMOVE') AS removes;

-- The frozen delta's sizes (the acknowledged count was read before choosing the delta's SQL).
SELECT
  (SELECT count(*) FROM pg_temp.delta_add) AS adds,
  (SELECT count(*) FROM pg_temp.delta_remove) AS removes;

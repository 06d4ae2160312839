-- One inner join (DuckDB builds its hash table on the smaller side) instead of two anti-joins (which always build
-- on their right side, the whole current set): adds and removes follow from the intersection.
-- {{ack}} and {{current}} are relations with a column h of the same type.
SELECT
  (SELECT count(*) FROM {{ack}}) AS acknowledged,
  (SELECT count(*) FROM {{current}}) AS current,
  (SELECT count(*) FROM {{ack}} a JOIN {{current}} c ON c.h = a.h) AS common;

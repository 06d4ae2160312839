-- Applies acknowledged ranges of ONE run's delta table <delta> to the membership, in one statement, idempotently:
-- ADDs are inserted unless present (re-stamped with this version if present), REMOVEs deleted by hash. Applying a
-- range twice (a kill between this statement and the state forgetting the range) changes nothing the second time.
-- $1 ops, $2 starts, $3 ends (one element per range). Ranges are few; each is a primary-key range scan.
WITH ranges AS (
  SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[]) AS r(op, s, e)
), taken AS (
  SELECT DISTINCT d.op, d.h FROM {{delta}} d JOIN ranges r ON d.op = r.op AND d.pos >= r.s AND d.pos < r.e
), added AS (
  INSERT INTO {{schema}}.membership (sync_name, normalization_version, h)
  SELECT {{sync}}, {{version}}, h FROM taken WHERE op = 'ADD'
  ON CONFLICT (sync_name, h) DO UPDATE SET normalization_version = EXCLUDED.normalization_version
    WHERE {{schema}}.membership.normalization_version <> EXCLUDED.normalization_version
)
DELETE FROM {{schema}}.membership m WHERE m.sync_name = {{sync}} AND m.h IN (SELECT h FROM taken WHERE op = 'REMOVE');

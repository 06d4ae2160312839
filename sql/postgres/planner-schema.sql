-- The planner schema's tables (diff: warehouse). Created when missing; never altered in place (a later layout gets
-- new names). <schema> is the quoted planner schema.
--
-- One membership table for every sync, keyed by sync name: a sync's rows are one index range, so a new sync needs
-- no DDL (only CREATE on the schema once, not per sync), `planner clean` and grants cover one table, and the
-- diff's anti-joins walk the (sync_name, h) primary key. Each row carries the normalization version it was hashed
-- with: a hash is a member once, and a --full-resync under new rules re-stamps it.
CREATE TABLE IF NOT EXISTS {{schema}}.membership (
  sync_name             text     NOT NULL,
  normalization_version smallint NOT NULL,
  h                     bytea    NOT NULL,
  PRIMARY KEY (sync_name, h)
);

-- Every delta table a run froze, so a killed run's table is found by its sync (`planner clean`, the next run)
-- without parsing table names. A row goes with its table.
CREATE TABLE IF NOT EXISTS {{schema}}.deltas (
  delta_table text        PRIMARY KEY,
  sync_name   text        NOT NULL,
  run_id      bigint      NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);

-- What is installed: `functions` holds the digest of the normalization functions' SQL, so they are replaced only
-- when pinsync ships different ones.
CREATE TABLE IF NOT EXISTS {{schema}}.installed (
  item  text PRIMARY KEY,
  value text NOT NULL
);

-- pinsync state (PostgreSQL), version 1 (BYTEA holds the 32-byte digests).
-- As sql/default/, with TIMESTAMPTZ: runners in different time zones share this database, and `pg` writes a
-- JavaScript Date in local time, which a TIMESTAMP column would keep without its offset.
-- Raw identifiers never enter these tables: membership holds 32-byte SHA-256 digests only.

CREATE SEQUENCE sync_id_seq START 1;

CREATE TABLE syncs (
  id                    INTEGER PRIMARY KEY DEFAULT nextval('sync_id_seq'),
  name                  VARCHAR NOT NULL UNIQUE,
  ad_account_id         VARCHAR,
  customer_list_id      VARCHAR,
  audience_id           VARCHAR,
  -- the rules the stored hashes were made with; a different version needs --full-resync
  normalization_version INTEGER NOT NULL,
  -- set just before a create-list request, cleared when it is acknowledged: a crash in between leaves a list
  -- on Pinterest that the next run must find instead of creating a second one
  pending_list_name     VARCHAR,
  -- a smaller batch size remembered after Pinterest refused a batch as too large, so later runs start there
  max_batch_records     INTEGER,
  created_at            TIMESTAMPTZ NOT NULL,
  updated_at            TIMESTAMPTZ NOT NULL
);

-- Deliberately no index: an index over hundreds of millions of digests costs more memory than the set
-- operations it would speed up, and the lock guarantees a single writer per sync.
CREATE TABLE membership (
  sync_id INTEGER  NOT NULL,
  h       BYTEA    NOT NULL,
  -- 1 email, 2 maid, 3 idfa
  family  SMALLINT NOT NULL
);

CREATE SEQUENCE run_id_seq START 1;

CREATE TABLE runs (
  id           BIGINT PRIMARY KEY DEFAULT nextval('run_id_seq'),
  sync_name    VARCHAR NOT NULL,
  status       VARCHAR NOT NULL,
  started_at   TIMESTAMPTZ NOT NULL,
  finished_at  TIMESTAMPTZ,
  pid          INTEGER,
  host         VARCHAR,
  adds_sent    BIGINT NOT NULL DEFAULT 0,
  removes_sent BIGINT NOT NULL DEFAULT 0,
  batches      INTEGER NOT NULL DEFAULT 0,
  -- the full SyncReport as JSON text (counts and hashes only)
  report       VARCHAR
);

CREATE TABLE batches (
  run_id           BIGINT  NOT NULL,
  seq              INTEGER NOT NULL,
  op               VARCHAR NOT NULL,
  records          INTEGER NOT NULL,
  customer_list_id VARCHAR NOT NULL,
  acknowledged_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE locks (
  sync_name    VARCHAR PRIMARY KEY,
  pid          INTEGER NOT NULL,
  host         VARCHAR NOT NULL,
  run_id       BIGINT,
  acquired_at  TIMESTAMPTZ NOT NULL,
  heartbeat_at TIMESTAMPTZ NOT NULL
);

-- OAuth tokens refreshed by pinsync (Pinterest rotates refresh tokens, so the config's copy goes stale).
CREATE TABLE tokens (
  destination_key     VARCHAR PRIMARY KEY,
  access_token        VARCHAR NOT NULL,
  access_expires_at   TIMESTAMPTZ,
  refresh_token       VARCHAR,
  refresh_expires_at  TIMESTAMPTZ,
  -- digest of the tokens in the config when these were stored: a change means the user re-authorized
  config_fingerprint  VARCHAR NOT NULL,
  updated_at          TIMESTAMPTZ NOT NULL
);

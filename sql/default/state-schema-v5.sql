-- pinsync state, version 5: which dbt sync requests (rows the pinsync dbt package's post-hook inserts into the
-- warehouse) were handled, so `sync --requested` and `schedule --poll-requests` run each once. Kept here, never in
-- the warehouse: pinsync only ever reads the warehouse. The key is `<invocation_id>/<model unique_id>/<sync name>`;
-- run_id is null for a request the dbt gate stopped (nothing ran, nothing to retry).
CREATE TABLE dbt_requests (
  request_key VARCHAR   PRIMARY KEY,
  sync_name   VARCHAR   NOT NULL,
  run_id      BIGINT,
  handled_at  TIMESTAMP NOT NULL
);

-- pinsync state, version 6: acknowledged batches of `diff: warehouse` syncs, whose membership lives in the
-- warehouse's planner schema. Each accepted batch is a position range of its run's delta table there, recorded in
-- the transaction that counts the batch (so the state never loses an acknowledgement, and the warehouse membership,
-- which receives the ranges later and idempotently, is never ahead of Pinterest). A row is deleted once the
-- warehouse membership holds its range. The key makes a range acknowledged twice one row.
CREATE TABLE planner_ranges (
  sync_name   VARCHAR NOT NULL,
  run_id      BIGINT  NOT NULL,
  op          VARCHAR NOT NULL,
  start_pos   BIGINT  NOT NULL,
  end_pos     BIGINT  NOT NULL,
  delta_table VARCHAR NOT NULL,
  PRIMARY KEY (run_id, op, start_pos)
);

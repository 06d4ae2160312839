-- pinsync state, version 4: acknowledgement costs O(batch) whatever the membership's size. An accepted batch is
-- recorded as a position range of its run's frozen delta (which the sync keeps in pinsync_delta_add_<sync id> and
-- pinsync_delta_remove_<sync id> until it is applied); the ranges are applied to membership in bulk, in one
-- transaction that also deletes them, at the end of the run or, after a kill, by the next run before it diffs.
CREATE TABLE acked_ranges (
  sync_id   INTEGER NOT NULL,
  run_id    BIGINT  NOT NULL,
  -- ADD or REMOVE
  op        VARCHAR NOT NULL,
  -- delta positions [start_pos, end_pos)
  start_pos BIGINT  NOT NULL,
  end_pos   BIGINT  NOT NULL
);

-- pinsync state, version 4: acknowledgement costs O(batch) whatever the membership's size. An accepted batch's
-- records (32-byte digests) are copied from the run's delta into acked_records in the transaction that records the
-- batch; they are applied to membership in bulk, in one transaction that also deletes them, during and at the end
-- of the push or, after a kill, by the next run before it diffs.
CREATE TABLE acked_records (
  sync_id INTEGER  NOT NULL,
  run_id  BIGINT   NOT NULL,
  -- ADD or REMOVE
  op      VARCHAR  NOT NULL,
  h       BYTEA    NOT NULL,
  -- 1 email, 2 maid, 3 idfa
  family  SMALLINT NOT NULL
);

-- Records an acknowledged range's records (32-byte digests, never raw identifiers) in acked_records, in the caller's
-- transaction beside the run's counters and the batch log. They reach membership in bulk later
-- (diff-apply-acknowledged.sql), so this costs the same whatever the membership's size, and, being copied out of the
-- session's temp delta, they outlive a killed run. `known` adds (--full-resync) are stored already: not recorded.
INSERT INTO {{acked}} (sync_id, run_id, op, h, family)
SELECT {{syncId}}, {{runId}}, '{{op}}', h, family FROM {{table}} WHERE pos >= {{start}} AND pos < {{end}}{{notKnown}};

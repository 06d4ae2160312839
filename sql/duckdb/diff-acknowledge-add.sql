INSERT INTO membership (sync_id, h, family)
SELECT {{syncId}}, h, family FROM delta_add WHERE pos >= {{start}} AND pos < {{end}} AND NOT known;

-- Batches read and acknowledge position ranges: an index on pos makes each one touch only its own rows. Building
-- the index also records the table's size for the planner, so no ANALYZE is needed here.
ALTER TABLE pg_temp.delta_add ADD PRIMARY KEY (pos);
ALTER TABLE pg_temp.delta_remove ADD PRIMARY KEY (pos);

-- Staging table for the generic ingest path: Node normalizes and hashes, the appender fills this.
CREATE OR REPLACE TEMP TABLE {{stage_records}} (hash VARCHAR NOT NULL, family UTINYINT NOT NULL);

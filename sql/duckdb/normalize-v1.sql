-- Identifier normalization, version 1 (DESIGN section 3), as DuckDB macros that give exactly what
-- core/normalize/normalize-identifier.ts gives. Needs normalize-unicode-v1.sql (the JS trim/lower/\s macros).
--
-- Each pinsync_norm_*_v1(v VARCHAR) returns one VARCHAR outcome (decoded by core/normalize/outcome-code.ts):
--   64 lowercase hex        ok, hashed here
--   '=' + 64 lowercase hex  ok, the value was already a SHA-256 (prehashed)
--   a word                  empty | invalid_email | invalid_device_id | zero_device_id | invalid_sha256 | unsupported_hash
-- Callers pass CAST(column AS VARCHAR); connectors/duckdb/duckdb-normalization.ts explains why DuckDB printing
-- numbers unlike JS String() changes no outcome (and why BLOB columns should be decoded to text first).
--
-- The *_outcome_v1 helpers take the trimmed value, which their first WHEN uses: DuckDB's common-subexpression
-- pass then computes it once per row (it does not look past a CASE's first condition).

-- UTF-16 code units (JS .length), the unit of the 254 limit. UTF-8 bytes >= UTF-16 units, so the cheap byte
-- count settles nearly every value; otherwise code points plus one per supplementary-plane code point.
CREATE OR REPLACE TEMP MACRO pinsync_utf16_length_v1(s) AS
  CASE WHEN strlen(s) <= 254 THEN strlen(s)
    ELSE length(s) + length(regexp_replace(s, '[^\x{10000}-\x{10FFFF}]+', '', 'g'))
    END;

-- Takes the trimmed value and its JS lowercase side by side. DuckDB's common-subexpression pass only hoists what
-- the first WHEN uses (the one test every row runs), so `l` is computed once per row only because the email test
-- comes first; that is safe because a value with an @ can be neither empty nor hex.
CREATE OR REPLACE TEMP MACRO pinsync_email_outcome_v1(t, l) AS
  CASE WHEN pinsync_js_email_shape_v1(l) AND pinsync_utf16_length_v1(l) <= 254 THEN sha256(l)
    WHEN t IS NULL OR t = '' THEN 'empty'
    WHEN strlen(t) = 64 AND regexp_full_match(t, '[0-9a-fA-F]{64}') THEN '=' || lower(t)
    WHEN strlen(t) IN (32, 40) AND regexp_full_match(t, '[0-9a-fA-F]+') THEN 'unsupported_hash'
    ELSE 'invalid_email'
    END;

CREATE OR REPLACE TEMP MACRO pinsync_email_trimmed_v1(t) AS
  pinsync_email_outcome_v1(t, pinsync_js_lower_v1(t));

CREATE OR REPLACE TEMP MACRO pinsync_norm_email_v1(v) AS
  pinsync_email_trimmed_v1(pinsync_js_trim_v1(v));

-- The UUID test runs on the trimmed value, case-insensitively and ASCII-only, instead of on JS's lowercase:
-- equivalent because no non-ASCII code point lowercases to [0-9a-f-] (asserted when normalize-unicode-v1.sql is
-- generated), and it keeps the Unicode lowercase off this path.
CREATE OR REPLACE TEMP MACRO pinsync_device_outcome_v1(t) AS
  CASE WHEN t IS NULL OR t = '' THEN 'empty'
    WHEN strlen(t) = 64 AND regexp_full_match(t, '[0-9a-fA-F]{64}') THEN '=' || lower(t)
    WHEN strlen(t) IN (32, 40) AND regexp_full_match(t, '[0-9a-fA-F]+') THEN 'unsupported_hash'
    WHEN NOT regexp_full_match(t, '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}')
      THEN 'invalid_device_id'
    WHEN t = '00000000-0000-0000-0000-000000000000' THEN 'zero_device_id'
    ELSE sha256(lower(t))
    END;

CREATE OR REPLACE TEMP MACRO pinsync_norm_device_v1(v) AS
  pinsync_device_outcome_v1(pinsync_js_trim_v1(v));

CREATE OR REPLACE TEMP MACRO pinsync_sha256_outcome_v1(t) AS
  CASE WHEN t IS NULL OR t = '' THEN 'empty'
    WHEN strlen(t) = 64 AND regexp_full_match(t, '[0-9a-fA-F]{64}') THEN '=' || lower(t)
    ELSE 'invalid_sha256'
    END;

CREATE OR REPLACE TEMP MACRO pinsync_norm_sha256_v1(v) AS
  pinsync_sha256_outcome_v1(pinsync_js_trim_v1(v));

-- Identifier normalization, version 1 (DESIGN section 3), as BigQuery SQL functions that give exactly what
-- core/normalize/normalize-identifier.ts gives. Needs normalize-unicode-v1.sql (the JS trim/lower/\s functions)
-- created first in the same dataset.
--
-- pinsync_normalize_v1(v STRING, identifier_type STRING) and the per-type pinsync_norm_*_v1(v STRING) return one
-- STRING outcome (decoded by core/normalize/outcome-code.ts), the same contract as sql/postgres/normalize-v1.sql:
--   64 lowercase hex        ok, hashed here: SHA-256 of the UTF-8 of the normalized value
--   '=' + 64 lowercase hex  ok, the value was already a SHA-256 (prehashed)
--   a word                  empty | invalid_email | invalid_device_id | zero_device_id | invalid_sha256 | unsupported_hash
--                           | invalid_binary
-- pinsync_normalize_v1 returns NULL for an identifier type it does not know. Callers pass the column as STRING; a
-- BYTES digest column goes through pinsync_binary_outcome_v1.
--
-- Persistent functions in the planner dataset ({{dataset}}, `project.dataset` in backticks when qualified) rather
-- than expressions pasted into each query: the diff-in-warehouse mode owns that dataset anyway, and the statements
-- stay short. BigQuery inlines SQL UDFs into the calling query; every call between the functions names the dataset
-- because a persistent function cannot resolve a bare name. (CREATE TEMP FUNCTION with the same bodies works for a
-- one-off script.)
--
-- What BigQuery's own functions would get wrong, and is avoided: LOWER() and TRIM() (see normalize-unicode-v1.sql);
-- LENGTH() counts code points where the 254 limit is in UTF-16 units; a case-insensitive regex ((?i)) folds by
-- RE2's Unicode tables. ASCII-only steps use explicit [0-9a-fA-F] classes, and LOWER() only on text already proven
-- to be ASCII hex or a UUID, where every engine's LOWER() agrees. SHA256() of a STRING hashes its UTF-8 bytes.

-- UTF-16 code units (JS .length), the unit of the 254 limit. UTF-8 bytes >= UTF-16 units, so the cheap byte count
-- settles nearly every value (the result is then the byte count, which is <= 254 exactly when the units are);
-- otherwise code points plus one per code point past the BMP.
CREATE OR REPLACE FUNCTION {{dataset}}.pinsync_utf16_length_v1(s STRING) RETURNS INT64 AS (
  CASE WHEN BYTE_LENGTH(s) <= 254 THEN BYTE_LENGTH(s)
    ELSE LENGTH(s) + LENGTH(REGEXP_REPLACE(s, r'[^\x{10000}-\x{10FFFF}]+', ''))
    END
);

-- SHA-256 hex of the UTF-8 bytes.
CREATE OR REPLACE FUNCTION {{dataset}}.pinsync_sha256_hex_v1(s STRING) RETURNS STRING AS (
  TO_HEX(SHA256(s))
);

-- The rules every type shares on the trimmed value t: NULL or '' is empty, 64 hex digits are a prehashed SHA-256.
-- NULL means "not decided here".
CREATE OR REPLACE FUNCTION {{dataset}}.pinsync_common_outcome_v1(t STRING) RETURNS STRING AS (
  CASE WHEN t IS NULL OR t = '' THEN 'empty'
    WHEN REGEXP_CONTAINS(t, r'^[0-9a-fA-F]{64}$') THEN CONCAT('=', LOWER(t))
    END
);

-- MD5 (32) and SHA-1 (40) hex digests, refused by name for emails and device ids.
CREATE OR REPLACE FUNCTION {{dataset}}.pinsync_is_weak_hash_v1(t STRING) RETURNS BOOL AS (
  REGEXP_CONTAINS(t, r'^(?:[0-9a-fA-F]{32}|[0-9a-fA-F]{40})$')
);

-- Email on the trimmed value t and its JS lowercase l.
CREATE OR REPLACE FUNCTION {{dataset}}.pinsync_email_outcome_v1(t STRING, l STRING) RETURNS STRING AS (
  COALESCE({{dataset}}.pinsync_common_outcome_v1(t),
    CASE WHEN {{dataset}}.pinsync_is_weak_hash_v1(t) THEN 'unsupported_hash'
      WHEN {{dataset}}.pinsync_utf16_length_v1(l) <= 254 AND {{dataset}}.pinsync_js_email_shape_v1(l)
        THEN {{dataset}}.pinsync_sha256_hex_v1(l)
      ELSE 'invalid_email'
      END)
);

CREATE OR REPLACE FUNCTION {{dataset}}.pinsync_email_trimmed_v1(t STRING) RETURNS STRING AS (
  {{dataset}}.pinsync_email_outcome_v1(t, {{dataset}}.pinsync_js_lower_v1(t))
);

CREATE OR REPLACE FUNCTION {{dataset}}.pinsync_norm_email_v1(v STRING) RETURNS STRING AS (
  {{dataset}}.pinsync_email_trimmed_v1({{dataset}}.pinsync_js_trim_v1(v))
);

-- MAID/IDFA. The UUID test runs on the trimmed value with ASCII classes instead of on JS's lowercase: equivalent
-- because no non-ASCII code point lowercases to [0-9a-f-] (asserted when normalize-unicode-v1.sql is generated),
-- and the anchored pattern also makes any length but 36 invalid, as core/normalize does.
CREATE OR REPLACE FUNCTION {{dataset}}.pinsync_device_outcome_v1(t STRING) RETURNS STRING AS (
  COALESCE({{dataset}}.pinsync_common_outcome_v1(t),
    CASE WHEN {{dataset}}.pinsync_is_weak_hash_v1(t) THEN 'unsupported_hash'
      WHEN NOT REGEXP_CONTAINS(t, r'^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$')
        THEN 'invalid_device_id'
      WHEN t = '00000000-0000-0000-0000-000000000000' THEN 'zero_device_id'
      ELSE {{dataset}}.pinsync_sha256_hex_v1(LOWER(t))
      END)
);

CREATE OR REPLACE FUNCTION {{dataset}}.pinsync_norm_device_v1(v STRING) RETURNS STRING AS (
  {{dataset}}.pinsync_device_outcome_v1({{dataset}}.pinsync_js_trim_v1(v))
);

-- *_sha256 columns: only an existing SHA-256 is accepted.
CREATE OR REPLACE FUNCTION {{dataset}}.pinsync_norm_sha256_v1(v STRING) RETURNS STRING AS (
  COALESCE({{dataset}}.pinsync_common_outcome_v1({{dataset}}.pinsync_js_trim_v1(v)), 'invalid_sha256')
);

-- A BYTES cell is a digest's bytes, never text: 32 bytes (64 hex digits) in a *_sha256 column (digest = TRUE) are
-- the SHA-256.
CREATE OR REPLACE FUNCTION {{dataset}}.pinsync_binary_outcome_v1(b BYTES, digest BOOL) RETURNS STRING AS (
  CASE WHEN b IS NULL THEN 'empty'
    WHEN digest AND LENGTH(TO_HEX(b)) = 64 THEN CONCAT('=', TO_HEX(b))
    ELSE 'invalid_binary'
    END
);

-- By identifier type name (core/identifier-types.ts). A statement normalizing a known column type should call the
-- per-type function directly: this CASE is for callers that hold the type as data.
CREATE OR REPLACE FUNCTION {{dataset}}.pinsync_normalize_v1(v STRING, identifier_type STRING) RETURNS STRING AS (
  CASE identifier_type
    WHEN 'email' THEN {{dataset}}.pinsync_norm_email_v1(v)
    WHEN 'maid' THEN {{dataset}}.pinsync_norm_device_v1(v)
    WHEN 'idfa' THEN {{dataset}}.pinsync_norm_device_v1(v)
    WHEN 'email_sha256' THEN {{dataset}}.pinsync_norm_sha256_v1(v)
    WHEN 'maid_sha256' THEN {{dataset}}.pinsync_norm_sha256_v1(v)
    WHEN 'idfa_sha256' THEN {{dataset}}.pinsync_norm_sha256_v1(v)
    END
);

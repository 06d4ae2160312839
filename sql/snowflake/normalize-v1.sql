-- Identifier normalization, version 1 (DESIGN section 3), as Snowflake SQL UDFs that give exactly what
-- core/normalize/normalize-identifier.ts gives. Needs normalize-unicode-v1.sql (the JS trim/lower/\s functions)
-- created first in the same schema.
--
-- pinsync_normalize_v1(v VARCHAR, identifier_type VARCHAR) and the per-type pinsync_norm_*_v1(v VARCHAR) return
-- one VARCHAR outcome (decoded by core/normalize/outcome-code.ts), the same contract as
-- sql/postgres/normalize-v1.sql:
--   64 lowercase hex        ok, hashed here: SHA-256 of the UTF-8 of the normalized value
--   '=' + 64 lowercase hex  ok, the value was already a SHA-256 (prehashed)
--   a word                  empty | invalid_email | invalid_device_id | zero_device_id | invalid_sha256 | unsupported_hash
--                           | invalid_binary
-- pinsync_normalize_v1 returns NULL for an identifier type it does not know. Callers pass the column as VARCHAR; a
-- BINARY digest column goes through pinsync_binary_outcome_v1.
--
-- SQL UDFs in the planner schema ({{schema}}) rather than expressions pasted into each query: the
-- diff-in-warehouse mode owns that schema anyway, and the statements stay short. Snowflake expands a SQL UDF's
-- expression into the calling query; every call between the functions names the schema, so they do not depend on
-- the session's current schema. IMMUTABLE: the same input always gives the same output.
--
-- What Snowflake's own functions would get wrong, and is avoided: LOWER() and TRIM() (see normalize-unicode-v1.sql);
-- LENGTH() counts code points where the 254 limit is in UTF-16 units; a case-insensitive match ('i') folds by
-- Snowflake's Unicode tables. ASCII-only steps use explicit [0-9a-fA-F] classes, and LOWER() only on text already
-- proven to be ASCII hex or a UUID, where every engine's LOWER() agrees. REGEXP_LIKE matches the whole subject
-- (implicitly anchored). SHA2(s, 256) hashes the UTF-8 bytes of s and answers lowercase hex.

-- UTF-16 code units (JS .length), the unit of the 254 limit. UTF-8 bytes >= UTF-16 units, so the cheap byte count
-- settles nearly every value (the result is then the byte count, which is <= 254 exactly when the units are);
-- otherwise code points plus one per code point past the BMP.
CREATE OR REPLACE FUNCTION {{schema}}.pinsync_utf16_length_v1(s VARCHAR) RETURNS NUMBER LANGUAGE SQL IMMUTABLE AS $$
  CASE WHEN OCTET_LENGTH(s) <= 254 THEN OCTET_LENGTH(s)
    ELSE LENGTH(s) + {{schema}}.pinsync_supplementary_count_v1(s)
    END
$$;

-- SHA-256 hex of the UTF-8 bytes.
CREATE OR REPLACE FUNCTION {{schema}}.pinsync_sha256_hex_v1(s VARCHAR) RETURNS VARCHAR LANGUAGE SQL IMMUTABLE AS $$
  SHA2(s, 256)
$$;

-- The rules every type shares on the trimmed value t: NULL or '' is empty, 64 hex digits are a prehashed SHA-256.
-- NULL means "not decided here".
CREATE OR REPLACE FUNCTION {{schema}}.pinsync_common_outcome_v1(t VARCHAR) RETURNS VARCHAR LANGUAGE SQL IMMUTABLE AS $$
  CASE WHEN t IS NULL OR t = '' THEN 'empty'
    WHEN REGEXP_LIKE(t, '[0-9a-fA-F]{64}') THEN '=' || LOWER(t)
    END
$$;

-- MD5 (32) and SHA-1 (40) hex digests, refused by name for emails and device ids.
CREATE OR REPLACE FUNCTION {{schema}}.pinsync_is_weak_hash_v1(t VARCHAR) RETURNS BOOLEAN LANGUAGE SQL IMMUTABLE AS $$
  REGEXP_LIKE(t, '([0-9a-fA-F]{32}|[0-9a-fA-F]{40})')
$$;

-- Email on the trimmed value t and its JS lowercase l.
CREATE OR REPLACE FUNCTION {{schema}}.pinsync_email_outcome_v1(t VARCHAR, l VARCHAR) RETURNS VARCHAR LANGUAGE SQL IMMUTABLE AS $$
  COALESCE({{schema}}.pinsync_common_outcome_v1(t),
    CASE WHEN {{schema}}.pinsync_is_weak_hash_v1(t) THEN 'unsupported_hash'
      WHEN {{schema}}.pinsync_utf16_length_v1(l) <= 254 AND {{schema}}.pinsync_js_email_shape_v1(l)
        THEN {{schema}}.pinsync_sha256_hex_v1(l)
      ELSE 'invalid_email'
      END)
$$;

CREATE OR REPLACE FUNCTION {{schema}}.pinsync_email_trimmed_v1(t VARCHAR) RETURNS VARCHAR LANGUAGE SQL IMMUTABLE AS $$
  {{schema}}.pinsync_email_outcome_v1(t, {{schema}}.pinsync_js_lower_v1(t))
$$;

CREATE OR REPLACE FUNCTION {{schema}}.pinsync_norm_email_v1(v VARCHAR) RETURNS VARCHAR LANGUAGE SQL IMMUTABLE AS $$
  {{schema}}.pinsync_email_trimmed_v1({{schema}}.pinsync_js_trim_v1(v))
$$;

-- MAID/IDFA. The UUID test runs on the trimmed value with ASCII classes instead of on JS's lowercase: equivalent
-- because no non-ASCII code point lowercases to [0-9a-f-] (asserted when normalize-unicode-v1.sql is generated),
-- and the whole-subject match also makes any length but 36 invalid, as core/normalize does.
CREATE OR REPLACE FUNCTION {{schema}}.pinsync_device_outcome_v1(t VARCHAR) RETURNS VARCHAR LANGUAGE SQL IMMUTABLE AS $$
  COALESCE({{schema}}.pinsync_common_outcome_v1(t),
    CASE WHEN {{schema}}.pinsync_is_weak_hash_v1(t) THEN 'unsupported_hash'
      WHEN NOT REGEXP_LIKE(t, '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}')
        THEN 'invalid_device_id'
      WHEN t = '00000000-0000-0000-0000-000000000000' THEN 'zero_device_id'
      ELSE {{schema}}.pinsync_sha256_hex_v1(LOWER(t))
      END)
$$;

CREATE OR REPLACE FUNCTION {{schema}}.pinsync_norm_device_v1(v VARCHAR) RETURNS VARCHAR LANGUAGE SQL IMMUTABLE AS $$
  {{schema}}.pinsync_device_outcome_v1({{schema}}.pinsync_js_trim_v1(v))
$$;

-- *_sha256 columns: only an existing SHA-256 is accepted.
CREATE OR REPLACE FUNCTION {{schema}}.pinsync_norm_sha256_v1(v VARCHAR) RETURNS VARCHAR LANGUAGE SQL IMMUTABLE AS $$
  COALESCE({{schema}}.pinsync_common_outcome_v1({{schema}}.pinsync_js_trim_v1(v)), 'invalid_sha256')
$$;

-- A BINARY cell is a digest's bytes, never text: 32 bytes (64 hex digits) in a *_sha256 column (digest = TRUE) are
-- the SHA-256. HEX_ENCODE(b, 0) is lowercase hex.
CREATE OR REPLACE FUNCTION {{schema}}.pinsync_binary_outcome_v1(b BINARY, digest BOOLEAN) RETURNS VARCHAR LANGUAGE SQL IMMUTABLE AS $$
  CASE WHEN b IS NULL THEN 'empty'
    WHEN digest AND LENGTH(HEX_ENCODE(b, 0)) = 64 THEN '=' || HEX_ENCODE(b, 0)
    ELSE 'invalid_binary'
    END
$$;

-- By identifier type name (core/identifier-types.ts). A statement normalizing a known column type should call the
-- per-type function directly: this CASE is for callers that hold the type as data.
CREATE OR REPLACE FUNCTION {{schema}}.pinsync_normalize_v1(v VARCHAR, identifier_type VARCHAR) RETURNS VARCHAR LANGUAGE SQL IMMUTABLE AS $$
  CASE identifier_type
    WHEN 'email' THEN {{schema}}.pinsync_norm_email_v1(v)
    WHEN 'maid' THEN {{schema}}.pinsync_norm_device_v1(v)
    WHEN 'idfa' THEN {{schema}}.pinsync_norm_device_v1(v)
    WHEN 'email_sha256' THEN {{schema}}.pinsync_norm_sha256_v1(v)
    WHEN 'maid_sha256' THEN {{schema}}.pinsync_norm_sha256_v1(v)
    WHEN 'idfa_sha256' THEN {{schema}}.pinsync_norm_sha256_v1(v)
    END
$$;

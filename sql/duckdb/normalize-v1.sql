-- Identifier normalization, version 1 (DESIGN section 3), as DuckDB macros that give exactly what
-- core/normalize/normalize-identifier.ts gives. Needs normalize-unicode-v1.sql (the JS trim/lower/\s macros).
--
-- Each pinsync_norm_*_v1(v VARCHAR) returns one VARCHAR outcome (decoded by core/normalize/outcome-code.ts):
--   64 lowercase hex        ok, hashed here
--   '=' + 64 lowercase hex  ok, the value was already a SHA-256 (prehashed)
--   a word                  empty | invalid_email | invalid_device_id | zero_device_id | invalid_sha256 | unsupported_hash
--                           | invalid_binary | unsupported_value
-- Callers pass the column's text (CAST(column AS VARCHAR), or the typed-cell macros at the end of this file for
-- JSON, BLOB, nested and VARIANT columns); connectors/duckdb/duckdb-normalization.ts explains why DuckDB printing
-- numbers unlike JS String() changes no outcome.
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

-- The clean fast path (normalizationPipelineSql): most values are already what the rule accepts, with no whitespace
-- anywhere, so their trim is the value itself and the trim's regex (the costliest test, run on every value) can be
-- skipped. pinsync_*_clean_v1 takes the untrimmed text and is true only for such values; the *_clean_outcome_v1
-- macros then give exactly what the rules above give for them:
-- - an email whose text matches the JS email shape has no whitespace, and JS lowercase never maps a character to
--   '@', '.' or whitespace nor deletes one, so its lowercase matches the shape too: only the length test is left;
-- - a device id matching the UUID pattern, or a 64-hex value, contains no whitespace either.
CREATE OR REPLACE TEMP MACRO pinsync_email_clean_v1(v) AS
  pinsync_js_email_shape_v1(v);

CREATE OR REPLACE TEMP MACRO pinsync_email_clean_outcome_v1(l) AS
  CASE WHEN pinsync_utf16_length_v1(l) <= 254 THEN sha256(l) ELSE 'invalid_email' END;

CREATE OR REPLACE TEMP MACRO pinsync_device_clean_v1(v) AS
  strlen(v) = 36 AND regexp_full_match(v, '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}');

CREATE OR REPLACE TEMP MACRO pinsync_device_clean_outcome_v1(t) AS
  CASE WHEN t = '00000000-0000-0000-0000-000000000000' THEN 'zero_device_id' ELSE sha256(lower(t)) END;

CREATE OR REPLACE TEMP MACRO pinsync_sha256_clean_v1(v) AS
  strlen(v) = 64 AND regexp_full_match(v, '[0-9a-fA-F]{64}');

CREATE OR REPLACE TEMP MACRO pinsync_sha256_clean_outcome_v1(t) AS
  '=' || lower(t);

-- Typed cells (connectors/duckdb/duckdb-cell-kind.ts), read exactly as the connector hands them to Node
-- (connectors/warehouses/duckdb/duckdb-cell-values.ts). Each *_fixed_v1 macro returns the outcome when the type
-- alone decides it, and NULL when the value's text (pinsync_*_text_v1) goes through the rules above.

-- JSON: a string is its unwrapped value, JSON null is NULL (empty), a number or boolean is its text as written,
-- an object or array is no identifier.
CREATE OR REPLACE TEMP MACRO pinsync_json_text_v1(j) AS
  CASE json_type(j) WHEN 'VARCHAR' THEN json_extract_string(j, '$')
    WHEN 'NULL' THEN NULL WHEN 'OBJECT' THEN NULL WHEN 'ARRAY' THEN NULL
    ELSE CAST(j AS VARCHAR)
    END;

CREATE OR REPLACE TEMP MACRO pinsync_json_fixed_v1(j) AS
  CASE WHEN json_type(j) IN ('OBJECT', 'ARRAY') THEN 'unsupported_value' END;

-- BLOB: a digest's bytes, never text. 32 bytes in a *_sha256 column (digest = true) are the SHA-256 itself.
CREATE OR REPLACE TEMP MACRO pinsync_binary_fixed_v1(b, digest) AS
  CASE WHEN b IS NULL THEN 'empty'
    WHEN digest AND octet_length(b) = 32 THEN '=' || lower(hex(b))
    ELSE 'invalid_binary'
    END;

-- LIST, ARRAY, STRUCT, MAP, UNION, GEOMETRY: never one identifier, however few elements they hold.
CREATE OR REPLACE TEMP MACRO pinsync_nested_fixed_v1(v) AS
  CASE WHEN v IS NULL THEN 'empty' ELSE 'unsupported_value' END;

-- VARIANT: decided per value by the type it holds.
CREATE OR REPLACE TEMP MACRO pinsync_variant_text_v1(v) AS
  CASE WHEN variant_typeof(v) = 'VARIANT_NULL' OR variant_typeof(v) = 'BLOB'
      OR regexp_matches(variant_typeof(v), '^(ARRAY|OBJECT)') THEN NULL
    ELSE CAST(v AS VARCHAR)
    END;

CREATE OR REPLACE TEMP MACRO pinsync_variant_fixed_v1(v, digest) AS
  CASE WHEN variant_typeof(v) = 'BLOB' THEN pinsync_binary_fixed_v1(CAST(v AS BLOB), digest)
    WHEN regexp_matches(variant_typeof(v), '^(ARRAY|OBJECT)') THEN 'unsupported_value'
    END;

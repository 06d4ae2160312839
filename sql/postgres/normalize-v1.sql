-- Identifier normalization, version 1 (DESIGN section 3), as PostgreSQL functions that give exactly what
-- core/normalize/normalize-identifier.ts gives. Needs normalize-unicode-v1.sql (the JS trim/lower/\s functions)
-- created first in the same schema, and a UTF8 database (any LC_COLLATE/LC_CTYPE: nothing here depends on them).
--
-- pinsync_normalize_v1(v text, identifier_type text) and the per-type pinsync_norm_*_v1(v text) return one text
-- outcome (decoded by core/normalize/outcome-code.ts):
--   64 lowercase hex        ok, hashed here: SHA-256 of the UTF-8 of the normalized value
--   '=' + 64 lowercase hex  ok, the value was already a SHA-256 (prehashed)
--   a word                  empty | invalid_email | invalid_device_id | zero_device_id | invalid_sha256 | unsupported_hash
--                           | invalid_binary
-- pinsync_normalize_v1 returns NULL for an identifier type it does not know. Callers pass the column as text; a
-- bytea digest column goes through pinsync_binary_outcome_v1.
--
-- Why SQL functions in a schema rather than expressions pasted into each query: the diff-in-warehouse mode owns a
-- planner schema anyway, the functions keep its statements short and readable, and `LANGUAGE sql IMMUTABLE`
-- functions whose body is one expression are inlined by the planner where their arguments are cheap, so they cost
-- little over pasted expressions (a function whose parameter is used several times with an expensive argument is
-- called instead, with its plan cached for the statement). `{{schema}}` is that schema, quoted; every call between
-- the functions names it, because a string body resolves names with the caller's search_path. No STRICT (it would
-- stop inlining; NULL is handled explicitly) and no SET search_path (same). `AS $$ SELECT ... $$` rather than
-- PG 14's `RETURN`, so any supported server accepts the file.
--
-- ASCII-only steps use lower(x COLLATE "C"), which folds A-Z and nothing else whatever the database's LC_CTYPE
-- (plain lower() follows it: under a Turkish one lower('I') is not 'i'), and explicit [0-9a-fA-F] classes, never a
-- case-insensitive regex. Bracket ranges in Postgres regexes are by code point whatever the locale.

-- UTF-16 code units (JS .length), the unit of the 254 limit. UTF-8 bytes >= UTF-16 units, so the cheap byte count
-- settles nearly every value; otherwise code points plus one per supplementary-plane code point.
CREATE OR REPLACE FUNCTION {{schema}}.pinsync_utf16_length_v1(s text) RETURNS integer
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT CASE WHEN octet_length(s) <= 254 THEN octet_length(s)
    ELSE char_length(s) + char_length(regexp_replace(s, E'[^\\U00010000-\\U0010FFFF]+', '', 'g'))
    END $$;

-- SHA-256 hex of the UTF-8 bytes. In a UTF8 database the text's bytes are its UTF-8; decode(..., 'escape') hands
-- them over as bytea once every backslash is doubled (the only byte it interprets; text holds no NUL). Not
-- convert_to(s, 'UTF8'), which gives the same bytes but is STABLE, so the planner would not inline this
-- IMMUTABLE function: calling it instead costs about 1.5 us a row (2.7 us against 1.1 us measured on PG 15).
CREATE OR REPLACE FUNCTION {{schema}}.pinsync_sha256_hex_v1(s text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT encode(sha256(decode(replace(s, E'\\', E'\\\\'), 'escape')), 'hex') $$;

-- The rules every type shares on the trimmed value t: NULL or '' is empty, 64 hex digits are a prehashed SHA-256.
-- NULL means "not decided here".
CREATE OR REPLACE FUNCTION {{schema}}.pinsync_common_outcome_v1(t text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT CASE WHEN t IS NULL OR t = '' THEN 'empty'
    WHEN octet_length(t) = 64 AND t ~ '^[0-9a-fA-F]{64}$' THEN '=' || lower(t COLLATE "C")
    END $$;

-- Email on the trimmed value t and its JS lowercase l. MD5 (32) and SHA-1 (40) hex digests are refused by name.
CREATE OR REPLACE FUNCTION {{schema}}.pinsync_email_outcome_v1(t text, l text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT coalesce({{schema}}.pinsync_common_outcome_v1(t),
    CASE WHEN octet_length(t) IN (32, 40) AND t ~ '^[0-9a-fA-F]+$' THEN 'unsupported_hash'
      WHEN {{schema}}.pinsync_utf16_length_v1(l) <= 254 AND {{schema}}.pinsync_js_email_shape_v1(l)
        THEN {{schema}}.pinsync_sha256_hex_v1(l)
      ELSE 'invalid_email'
      END) $$;

CREATE OR REPLACE FUNCTION {{schema}}.pinsync_email_trimmed_v1(t text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT {{schema}}.pinsync_email_outcome_v1(t, {{schema}}.pinsync_js_lower_v1(t)) $$;

CREATE OR REPLACE FUNCTION {{schema}}.pinsync_norm_email_v1(v text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT {{schema}}.pinsync_email_trimmed_v1({{schema}}.pinsync_js_trim_v1(v)) $$;

-- MAID/IDFA. The UUID test runs on the trimmed value with ASCII classes instead of on JS's lowercase: equivalent
-- because no non-ASCII code point lowercases to [0-9a-f-] (asserted when normalize-unicode-v1.sql is generated),
-- and the anchored pattern also makes any length but 36 invalid, as core/normalize does.
CREATE OR REPLACE FUNCTION {{schema}}.pinsync_device_outcome_v1(t text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT coalesce({{schema}}.pinsync_common_outcome_v1(t),
    CASE WHEN octet_length(t) IN (32, 40) AND t ~ '^[0-9a-fA-F]+$' THEN 'unsupported_hash'
      WHEN NOT t ~ '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$'
        THEN 'invalid_device_id'
      WHEN t = '00000000-0000-0000-0000-000000000000' THEN 'zero_device_id'
      ELSE {{schema}}.pinsync_sha256_hex_v1(lower(t COLLATE "C"))
      END) $$;

CREATE OR REPLACE FUNCTION {{schema}}.pinsync_norm_device_v1(v text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT {{schema}}.pinsync_device_outcome_v1({{schema}}.pinsync_js_trim_v1(v)) $$;

-- *_sha256 columns: only an existing SHA-256 is accepted.
CREATE OR REPLACE FUNCTION {{schema}}.pinsync_norm_sha256_v1(v text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT coalesce({{schema}}.pinsync_common_outcome_v1({{schema}}.pinsync_js_trim_v1(v)), 'invalid_sha256') $$;

-- A bytea cell is a digest's bytes, never text: 32 bytes in a *_sha256 column (digest = true) are the SHA-256.
CREATE OR REPLACE FUNCTION {{schema}}.pinsync_binary_outcome_v1(b bytea, digest boolean) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT CASE WHEN b IS NULL THEN 'empty'
    WHEN digest AND octet_length(b) = 32 THEN '=' || encode(b, 'hex')
    ELSE 'invalid_binary'
    END $$;

-- By identifier type name (core/identifier-types.ts). A statement normalizing a known column type should call the
-- per-type function directly: this CASE is for callers that hold the type as data.
CREATE OR REPLACE FUNCTION {{schema}}.pinsync_normalize_v1(v text, identifier_type text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT CASE identifier_type
    WHEN 'email' THEN {{schema}}.pinsync_norm_email_v1(v)
    WHEN 'maid' THEN {{schema}}.pinsync_norm_device_v1(v)
    WHEN 'idfa' THEN {{schema}}.pinsync_norm_device_v1(v)
    WHEN 'email_sha256' THEN {{schema}}.pinsync_norm_sha256_v1(v)
    WHEN 'maid_sha256' THEN {{schema}}.pinsync_norm_sha256_v1(v)
    WHEN 'idfa_sha256' THEN {{schema}}.pinsync_norm_sha256_v1(v)
    END $$;

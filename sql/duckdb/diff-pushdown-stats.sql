SELECT col, kind, n FROM {{stage_groups}} WHERE by_kind = 1;

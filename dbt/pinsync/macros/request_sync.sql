{#-
  pinsync.request_sync(): a post-hook that records "this model was just built, sync it" in the warehouse.

  dbt runs post-hooks as SQL inside the model's own transaction, so a hook cannot start a program; it can leave a
  row, committed with the model, that `pinsync schedule --poll-requests` or `pinsync sync --requested` picks up:

    models:
      my_project:
        marts:
          vip_customers:
            +post-hook: "{{ pinsync.request_sync() }}"

  It creates <target database>.<var pinsync_schema, default pinsync>.sync_requests if missing and inserts one row
  (model unique_id, relation, dbt invocation_id, time in UTC). pinsync only ever reads this table: which requests
  it has handled is kept in pinsync's own state. The table grows by one small row per build of a hooked model;
  delete old rows whenever you like (pinsync reads the last 7 days by default).

  Keep the column list in step with core/dbt/request-sql.ts (REQUEST_COLUMNS): a test compares them.
-#}
{% macro request_sync() %}
  {{ return(adapter.dispatch('request_sync', 'pinsync')()) }}
{% endmacro %}

{% macro requests_relation() %}
  {{ return(api.Relation.create(database=target.database, schema=var('pinsync_schema', 'pinsync'), identifier='sync_requests')) }}
{% endmacro %}

{#- Adapter-neutral: dbt's own create_schema and type macros carry the differences (BigQuery STRING, Snowflake
    VARCHAR, backticks or quotes). The time is rendered as a UTC literal, so no engine's session time zone applies. -#}
{% macro default__request_sync() %}
  {%- if execute -%}
    {%- set requests = pinsync.requests_relation() -%}
    {%- do adapter.create_schema(requests) -%}
    {%- set requested_at = modules.datetime.datetime.now(modules.pytz.utc).strftime('%Y-%m-%d %H:%M:%S') -%}
    create table if not exists {{ requests }} (
      model_unique_id {{ dbt.type_string() }},
      relation {{ dbt.type_string() }},
      invocation_id {{ dbt.type_string() }},
      requested_at {{ dbt.type_timestamp() }}
    );
    insert into {{ requests }} (model_unique_id, relation, invocation_id, requested_at)
    values (
      '{{ model.unique_id }}',
      '{{ this | string | replace("'", "''") }}',
      '{{ invocation_id }}',
      cast('{{ requested_at }}' as {{ dbt.type_timestamp() }})
    )
  {%- endif -%}
{% endmacro %}

DELETE FROM membership
WHERE sync_id = {{syncId}}
  AND h IN (SELECT h FROM {{delta_remove}} WHERE pos >= {{start}} AND pos < {{end}});

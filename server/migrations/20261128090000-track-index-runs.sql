-- Incremental runs diff the new commit against indexed_commit (instead of listing the whole
-- tree), which is only right when the files were classified with the same settings:
-- indexed_settings holds them (file size limit, version of the skip rules), and a run whose
-- settings differ lists the whole tree again. last_run says what the latest published run did
-- ({"kind": "full" | "incremental", "added", "updated", "removed", "blobsRead", "bytesRead"}),
-- for operators and the API. Both are additive; existing repositories get their first diff
-- run after one full run.
alter table repositories
  add column indexed_settings jsonb,
  add column last_run jsonb;

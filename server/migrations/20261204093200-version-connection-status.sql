-- connections.status_version: bumped by every write that decides a GitHub connection's state
-- from GitHub's side (installed, uninstalled, suspended, unsuspended). A reconcile reads it
-- before it asks GitHub and writes what it found only if it has not moved since: an uninstall
-- or suspension delivered while a reconcile was under way wins over the reconcile's older view
-- (issue #26). The table's RLS policy covers the new column.
alter table connections add column status_version bigint not null default 0;

-- An install from the agent's cache (a rollback to a release it still holds) fetches nothing: it
-- is reported as such and counted apart from downloads, so that downloads and bytes add up.
alter table telemetry_reports add column cache_install boolean not null default false;
alter table release_telemetry add column cache_installs bigint not null default 0;

-- The devices page reads one page of devices at a time, newest first, and for those only their own
-- latest contact and install: indexes by device, so that a page costs the same with a million
-- devices as with ten.
create index devices_organisation_created_idx on devices (organisation_id, created_at desc, id desc);
create index telemetry_reports_device_idx on telemetry_reports (device_id, received_at desc);
create index key_grants_device_idx on key_grants (device_id, granted_at desc);

-- Who ended a device: an admin (revoked) or its player, who uninstalled the agent (left).
alter table devices add column revoked_by text check (revoked_by in ('ADMIN', 'PLAYER'));
update devices set revoked_by = 'ADMIN' where revoked_at is not null;

-- V3: the players' consent records as their agents send them, and the samples behind the
-- publishers' swarm-health charts (tracker swarms and origin egress, taken every
-- shoal.health.sample-interval).

-- Every consent record a device sent, as the agent logged it. A record is identified by (device,
-- scope, at, decision): the agent resends its outbox after a failure, and a resent record is not
-- stored twice. "at" is the player's moment of decision on the device's clock, to the microsecond.
create table consent_records (
    id              bigserial primary key,
    device_id       text not null references devices (id),
    organisation_id uuid not null references organisations (id),
    scope           text not null check (scope in ('DOWNLOAD_FROM_PEERS', 'UPLOAD_TO_PEERS')),
    decision        text not null check (decision in ('GRANTED', 'WITHDRAWN')),
    at              timestamptz not null,
    asked_where     text not null check (asked_where in ('INSTALLER', 'LAUNCHER', 'SETTINGS', 'CLI')),
    -- The text the player agreed to; for a withdrawal, the text of the grant withdrawn (or none).
    text_id         text check (length(text_id) between 1 and 64),
    text_version    int check (text_version >= 1),
    text_locale     text check (length(text_locale) between 2 and 35),
    text_sha256     text check (text_sha256 ~ '^[0-9a-f]{64}$'),
    received_at     timestamptz not null default now(),
    unique (device_id, scope, at, decision),
    check ((text_id is null and text_version is null and text_locale is null and text_sha256 is null)
        or (text_id is not null and text_version is not null and text_locale is not null
            and text_sha256 is not null)),
    check (decision = 'WITHDRAWN' or text_sha256 is not null)
);
create index consent_records_organisation_idx on consent_records (organisation_id, at);

-- Each device's current answer per scope: the record with the latest "at" (a withdrawal wins a tie).
create table device_consent (
    device_id  text not null references devices (id),
    scope      text not null check (scope in ('DOWNLOAD_FROM_PEERS', 'UPLOAD_TO_PEERS')),
    granted    boolean not null,
    at         timestamptz not null,
    updated_at timestamptz not null default now(),
    primary key (device_id, scope)
);

-- One row per sampling run, even when every swarm is empty: a time with no row means the control
-- plane was not sampling then (down), which the charts show as a gap rather than as zero.
create table health_samples (
    id         bigserial primary key,
    sampled_at timestamptz not null
);
create index health_samples_at_idx on health_samples (sampled_at);

-- The tracker's swarms at a sample: devices that announced within two intervals (the origin
-- seeder not counted), and how many of them offer uploads (announced with upload consent).
create table swarm_samples (
    sample_id       bigint not null references health_samples (id) on delete cascade,
    info_hash       text not null check (info_hash ~ '^[0-9a-f]{40}$'),
    peers           int not null check (peers >= 0),
    uploading_peers int not null check (uploading_peers between 0 and peers),
    primary key (sample_id, info_hash)
);
create index swarm_samples_info_hash_idx on swarm_samples (info_hash, sample_id);

-- Pack bytes the origin served since the previous sample: HTTP range responses and the
-- BitTorrent seeder's uploads.
create table origin_egress (
    sample_id    bigint not null references health_samples (id) on delete cascade,
    info_hash    text not null check (info_hash ~ '^[0-9a-f]{40}$'),
    http_bytes   bigint not null check (http_bytes >= 0),
    seeder_bytes bigint not null check (seeder_bytes >= 0),
    primary key (sample_id, info_hash)
);
create index origin_egress_info_hash_idx on origin_egress (info_hash, sample_id);

-- The charts read download reports per release and time.
create index telemetry_reports_release_idx on telemetry_reports (release_id, received_at);

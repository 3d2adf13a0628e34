-- V2: keys at rest, uploads, the release pipeline, publishing, devices, entitlements, telemetry.
-- Secret key material is stored sealed: AES-256-GCM under the master key, the row id as AAD, so a
-- sealed value copied into another row does not open.

create table signing_keys (
    id              uuid primary key,
    organisation_id uuid not null references organisations (id),
    key_id          text not null unique check (key_id ~ '^[0-9a-f]{32}$'),
    public_key      bytea not null check (length(public_key) = 32),
    -- PKCS#8 private key, sealed under the master key.
    private_sealed  bytea not null,
    created_at      timestamptz not null default now(),
    retired_at      timestamptz
);
-- One live signing key per organisation; rotation retires the old one in the same transaction.
create unique index signing_keys_live_idx on signing_keys (organisation_id) where retired_at is null;

-- The organisation's trust roots, oldest first. Version 1 is signed by its own key; each later one
-- is signed by the previous root's keys and its own (protocol's rotation rule).
create table trust_roots (
    organisation_id uuid not null references organisations (id),
    version         int not null check (version >= 1),
    root            bytea not null,
    envelope        bytea not null,
    created_at      timestamptz not null default now(),
    primary key (organisation_id, version)
);

create table content_keys (
    id             uuid primary key,
    product_id     uuid not null references products (id) on delete cascade,
    key_id         text not null unique check (key_id ~ '^[0-9a-f]{32}$'),
    key_sealed     bytea not null,
    created_at     timestamptz not null default now(),
    retired_at     timestamptz
);
create unique index content_keys_live_idx on content_keys (product_id) where retired_at is null;

create table uploads (
    id          uuid primary key default gen_random_uuid(),
    product_id  uuid not null references products (id) on delete cascade,
    state       text not null check (state in ('OPEN', 'SEALED')),
    file_count  int,
    total_bytes bigint,
    created_at  timestamptz not null default now(),
    sealed_at   timestamptz
);

-- Sizes announced with Content-Range, so that sealing can tell a complete file from a cut one.
create table upload_parts (
    upload_id  uuid not null references uploads (id) on delete cascade,
    path       text not null,
    total_size bigint,
    primary key (upload_id, path)
);

-- A pipeline run, visible from the moment it is queued.
create table release_state (
    id              uuid primary key default gen_random_uuid(),
    product_id      uuid not null references products (id) on delete cascade,
    channel_id      uuid not null references channels (id) on delete cascade,
    upload_id       uuid not null references uploads (id),
    display_version text not null,
    state           text not null check (state in
                      ('QUEUED', 'CHUNKING', 'ENCRYPTING', 'PACKING', 'SIGNING', 'READY', 'FAILED')),
    percent         int not null default 0 check (percent between 0 and 100),
    error           text,
    created_at      timestamptz not null default now(),
    updated_at      timestamptz not null default now()
);

-- A release exists only once its pipeline finished: written in one transaction with its packs.
create table releases (
    id              uuid primary key references release_state (id),
    channel_id      uuid not null references channels (id) on delete cascade,
    version         bigint not null check (version >= 1),
    display_version text not null,
    content_key_id  text not null,
    signing_key_id  text not null,
    manifest        bytea not null,
    expires_at      timestamptz not null,
    directory       text not null,
    rollback_of     bigint,
    rollout         int not null default 0 check (rollout between 0 and 100),
    published_at    timestamptz,
    paused          boolean not null default false,
    created_at      timestamptz not null default now(),
    unique (channel_id, version)
);

create table packs (
    release_id  uuid not null references releases (id) on delete cascade,
    info_hash   text not null check (info_hash ~ '^[0-9a-f]{40}$'),
    product_id  uuid not null references products (id) on delete cascade,
    kind        text not null check (kind in ('full', 'delta')),
    base_version bigint,
    total_size  bigint not null,
    piece_length int not null,
    torrent     bytea not null,
    path        text not null,
    primary key (release_id, info_hash)
);
create index packs_info_hash_idx on packs (info_hash);

create table devices (
    id              text primary key check (id ~ '^d-[0-9a-f]{32}$'),
    organisation_id uuid not null references organisations (id),
    signing_key     bytea not null check (length(signing_key) = 32),
    agreement_key   bytea not null check (length(agreement_key) = 32),
    -- SHA-256 of the passkey: the passkey travels in tracker URLs, the table never holds it.
    passkey_sha256  bytea not null unique,
    -- The passkey itself, sealed under the master key: it goes into the device's torrents.
    passkey_sealed  bytea not null,
    region          text not null default '',
    player          text,
    created_at      timestamptz not null default now(),
    revoked_at      timestamptz
);

-- The publisher's key for entitlement tokens, per product.
create table entitlement_keys (
    product_id uuid primary key references products (id) on delete cascade,
    public_key bytea not null check (length(public_key) = 32),
    created_at timestamptz not null default now()
);

create table entitlements (
    id         uuid primary key default gen_random_uuid(),
    product_id uuid not null references products (id) on delete cascade,
    device_id  text references devices (id),
    player     text,
    source     text not null check (source in ('API', 'TOKEN')),
    expires_at timestamptz,
    created_at timestamptz not null default now(),
    revoked_at timestamptz,
    check (device_id is not null or player is not null)
);
create index entitlements_device_idx on entitlements (product_id, device_id);
create index entitlements_player_idx on entitlements (product_id, player);

create table key_grants (
    id             bigserial primary key,
    device_id      text not null references devices (id),
    content_key_id text not null,
    entitlement_id uuid references entitlements (id),
    granted_at     timestamptz not null default now()
);

create table telemetry_reports (
    id                bigserial primary key,
    device_id         text not null references devices (id),
    release_id        uuid not null references releases (id) on delete cascade,
    bytes_from_peers  bigint not null,
    bytes_from_origin bigint not null,
    bytes_uploaded    bigint not null,
    duration_ms       bigint not null,
    result            text not null,
    received_at       timestamptz not null default now()
);

create table release_telemetry (
    release_id        uuid primary key references releases (id) on delete cascade,
    downloads         bigint not null default 0,
    failures          bigint not null default 0,
    bytes_from_peers  bigint not null default 0,
    bytes_from_origin bigint not null default 0,
    bytes_uploaded    bigint not null default 0
);

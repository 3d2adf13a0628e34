-- V1: who may do what (organisations, users, API keys) and what they publish (products, channels).
-- Every publisher-owned row carries organisation_id, directly or through its parent, and every
-- query filters on it.

create table organisations (
    id         uuid primary key default gen_random_uuid(),
    slug       text not null unique check (slug ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
    name       text not null,
    created_at timestamptz not null default now()
);

create table users (
    id              uuid primary key default gen_random_uuid(),
    organisation_id uuid not null references organisations (id),
    username        text not null check (length(username) between 1 and 254),
    password_hash   text not null,
    role            text not null check (role in ('ADMIN', 'RELEASE_MANAGER', 'VIEWER')),
    created_at      timestamptz not null default now()
);
-- Sign-in asks for a username only, so it is unique across organisations, case-insensitively.
create unique index users_username_key on users (lower(username));
create index users_organisation_idx on users (organisation_id);

create table api_keys (
    id                 uuid primary key default gen_random_uuid(),
    organisation_id    uuid not null references organisations (id),
    role               text not null check (role in ('ADMIN', 'RELEASE_MANAGER', 'VIEWER')),
    name               text not null check (length(name) between 1 and 100),
    -- The public part of "shoal_<prefix>_<secret>": finds the row without scanning hashes.
    prefix             text not null unique,
    -- SHA-256 of the secret; the secret itself is shown once, at creation, and never stored.
    secret_sha256      bytea not null check (length(secret_sha256) = 32),
    created_by_user_id uuid references users (id),
    created_at         timestamptz not null default now(),
    last_used_at       timestamptz,
    revoked_at         timestamptz
);
create index api_keys_organisation_idx on api_keys (organisation_id);

create table products (
    id              uuid primary key default gen_random_uuid(),
    organisation_id uuid not null references organisations (id),
    slug            text not null check (slug ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
    name            text not null check (length(name) between 1 and 200),
    created_at      timestamptz not null default now(),
    unique (organisation_id, slug)
);

create table channels (
    id         uuid primary key default gen_random_uuid(),
    product_id uuid not null references products (id) on delete cascade,
    name       text not null check (name ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
    created_at timestamptz not null default now(),
    unique (product_id, name)
);

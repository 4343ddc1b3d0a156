-- federa's first schema, SQLite dialect. Its twin is postgres/0001_init.sql: same tables,
-- columns and constraint names, so one query text serves both. Times are UTC text in one
-- fixed-width format (so they sort as text), dates are YYYY-MM-DD, flags are 0/1 integers.

CREATE TABLE organisations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    short_name TEXT,
    kind TEXT NOT NULL,
    district TEXT,
    sector TEXT,
    founded TEXT,
    status TEXT NOT NULL DEFAULT 'active',
    predecessor_id INTEGER REFERENCES organisations (id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    CONSTRAINT organisations_name_key UNIQUE (name)
);
CREATE INDEX organisations_kind_idx ON organisations (kind);
CREATE INDEX organisations_district_idx ON organisations (district);
CREATE INDEX organisations_sector_idx ON organisations (sector);

CREATE TABLE memberships (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    organisation_id INTEGER NOT NULL REFERENCES organisations (id),
    member_id INTEGER NOT NULL REFERENCES organisations (id),
    category TEXT NOT NULL,
    joined TEXT NOT NULL,
    left_on TEXT,
    status TEXT NOT NULL,
    end_reason TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    CONSTRAINT memberships_not_self CHECK (organisation_id <> member_id)
);
-- A unit holds at most one open membership in an organisation; ended ones are history.
CREATE UNIQUE INDEX memberships_open_uq ON memberships (organisation_id, member_id) WHERE left_on IS NULL;
CREATE INDEX memberships_member_idx ON memberships (member_id);

CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    username TEXT NOT NULL,
    display_name TEXT,
    password_hash TEXT NOT NULL,
    is_admin INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    CONSTRAINT users_username_key UNIQUE (username)
);

CREATE TABLE role_grants (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL REFERENCES users (id),
    organisation_id INTEGER NOT NULL REFERENCES organisations (id),
    role TEXT NOT NULL,
    created_at TEXT NOT NULL,
    CONSTRAINT role_grants_uq UNIQUE (user_id, organisation_id, role)
);

CREATE TABLE sessions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    token_hash TEXT NOT NULL,
    user_id INTEGER NOT NULL REFERENCES users (id),
    csrf_secret TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    CONSTRAINT sessions_token_hash_key UNIQUE (token_hash)
);
CREATE INDEX sessions_expires_idx ON sessions (expires_at);

CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL REFERENCES users (id),
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL,
    created_at TEXT NOT NULL,
    revoked_at TEXT,
    CONSTRAINT api_tokens_token_hash_key UNIQUE (token_hash)
);

-- The audit log: append-only, each event chained to the previous one by its hash.
CREATE TABLE audit_events (
    seq INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor_user_id INTEGER,
    actor TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    action TEXT NOT NULL,
    before_json TEXT,
    after_json TEXT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_events_entity_idx ON audit_events (entity, entity_id);

-- The chain head: one row, locked by every writing transaction, so appends are serialised.
CREATE TABLE audit_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seq INTEGER NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit_events is append-only');
END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit_events is append-only');
END;

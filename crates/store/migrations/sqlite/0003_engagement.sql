-- The secretariat's engagement with member units, SQLite dialect (twin: postgres/0003):
-- activities with invitations and attendance, circulars with attachments, deliveries and
-- reminders, published indicators, the self-regulation convention with its signatures, and
-- complaints with their steps. Times are UTC text, dates YYYY-MM-DD, as in 0001.

CREATE TABLE activities (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    organisation_id INTEGER NOT NULL REFERENCES organisations (id),
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    starts TEXT NOT NULL,
    ends TEXT NOT NULL,
    place TEXT,
    registration_deadline TEXT,
    capacity INTEGER,
    created_at TEXT NOT NULL
);
CREATE INDEX activities_org_idx ON activities (organisation_id, starts);

CREATE TABLE activity_invitations (
    activity_id INTEGER NOT NULL REFERENCES activities (id),
    unit_id INTEGER NOT NULL REFERENCES organisations (id),
    registered_on TEXT,
    registered_people INTEGER NOT NULL DEFAULT 0,
    attendance TEXT NOT NULL DEFAULT 'not_recorded',
    attended_people INTEGER NOT NULL DEFAULT 0,
    CONSTRAINT activity_invitations_pk PRIMARY KEY (activity_id, unit_id)
);
CREATE INDEX activity_invitations_unit_idx ON activity_invitations (unit_id);

-- Where a member unit's circulars are emailed.
CREATE TABLE unit_contacts (
    unit_id INTEGER PRIMARY KEY REFERENCES organisations (id),
    email TEXT NOT NULL,
    name TEXT,
    updated_at TEXT NOT NULL
);

CREATE TABLE circulars (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    organisation_id INTEGER NOT NULL REFERENCES organisations (id),
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    audience_json TEXT NOT NULL,
    sent_at TEXT NOT NULL,
    acknowledge_by TEXT,
    sent_by INTEGER REFERENCES users (id)
);
CREATE INDEX circulars_org_idx ON circulars (organisation_id, sent_at);

CREATE TABLE circular_attachments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    circular_id INTEGER NOT NULL REFERENCES circulars (id),
    file_name TEXT NOT NULL,
    media_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    content BLOB NOT NULL
);
CREATE INDEX circular_attachments_circular_idx ON circular_attachments (circular_id);

CREATE TABLE circular_deliveries (
    circular_id INTEGER NOT NULL REFERENCES circulars (id),
    unit_id INTEGER NOT NULL REFERENCES organisations (id),
    delivered_at TEXT,
    read_at TEXT,
    read_by INTEGER REFERENCES users (id),
    acknowledged_at TEXT,
    acknowledged_by INTEGER REFERENCES users (id),
    reminders INTEGER NOT NULL DEFAULT 0,
    -- The email copy: none (no address or no mail server), pending, sent, failed.
    email_to TEXT,
    email_state TEXT NOT NULL DEFAULT 'none',
    email_error TEXT,
    CONSTRAINT circular_deliveries_pk PRIMARY KEY (circular_id, unit_id)
);
CREATE INDEX circular_deliveries_unit_idx ON circular_deliveries (unit_id);

CREATE TABLE circular_reminders (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    circular_id INTEGER NOT NULL REFERENCES circulars (id),
    unit_id INTEGER NOT NULL REFERENCES organisations (id),
    sent_at TEXT NOT NULL,
    sent_by INTEGER REFERENCES users (id),
    email_to TEXT,
    email_state TEXT NOT NULL DEFAULT 'none',
    email_error TEXT
);
CREATE INDEX circular_reminders_circular_idx ON circular_reminders (circular_id);

CREATE TABLE indicators (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    organisation_id INTEGER NOT NULL REFERENCES organisations (id),
    name TEXT NOT NULL,
    figure TEXT NOT NULL,
    unit TEXT NOT NULL,
    as_of TEXT NOT NULL,
    source TEXT NOT NULL,
    source_url TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX indicators_org_idx ON indicators (organisation_id, as_of);

CREATE TABLE conventions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    organisation_id INTEGER NOT NULL REFERENCES organisations (id),
    version INTEGER NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    adopted_on TEXT NOT NULL,
    created_at TEXT NOT NULL,
    CONSTRAINT conventions_version_key UNIQUE (organisation_id, version)
);

CREATE TABLE convention_signatures (
    convention_id INTEGER NOT NULL REFERENCES conventions (id),
    unit_id INTEGER NOT NULL REFERENCES organisations (id),
    signed_by INTEGER NOT NULL REFERENCES users (id),
    signed_on TEXT NOT NULL,
    CONSTRAINT convention_signatures_pk PRIMARY KEY (convention_id, unit_id)
);

-- The body an organisation names to handle complaints (by default its board of supervisors).
CREATE TABLE engagement_settings (
    organisation_id INTEGER PRIMARY KEY REFERENCES organisations (id),
    complaint_body TEXT NOT NULL
);

CREATE TABLE complaints (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    organisation_id INTEGER NOT NULL REFERENCES organisations (id),
    filed_by INTEGER NOT NULL REFERENCES users (id),
    against_unit INTEGER NOT NULL REFERENCES organisations (id),
    summary TEXT NOT NULL,
    handled_by TEXT NOT NULL,
    state TEXT NOT NULL,
    outcome_json TEXT,
    filed_on TEXT NOT NULL
);
CREATE INDEX complaints_org_idx ON complaints (organisation_id);

CREATE TABLE complaint_steps (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    complaint_id INTEGER NOT NULL REFERENCES complaints (id),
    state TEXT NOT NULL,
    on_date TEXT NOT NULL,
    by_user INTEGER NOT NULL REFERENCES users (id),
    note TEXT
);
CREATE INDEX complaint_steps_complaint_idx ON complaint_steps (complaint_id);

-- Governance, SQLite dialect (twin: postgres/0004_governance.sql; same tables, columns and
-- constraint names). The bodies of an organisation and each meeting are kept as JSON documents
-- of federa_core's values with a version for optimistic concurrency; what grows with the
-- number of members is kept as rows: attendance, the voters of a poll, the ballot piles.

-- One counter hands out every governance id (bodies, terms, meetings, motions, elections,
-- polls, documents), so an id names one thing across organisations.
CREATE TABLE gov_ids (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    next_id INTEGER NOT NULL
);
INSERT INTO gov_ids (id, next_id) VALUES (1, 1);

-- The bodies of an organisation with their terms, seats and offices (federa_core Bodies).
CREATE TABLE gov_bodies (
    organisation_id INTEGER PRIMARY KEY REFERENCES organisations (id),
    version INTEGER NOT NULL,
    doc TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- A meeting (federa_core Meeting without its roll and without its polls' voters and ballots).
-- present and members are the attendance figures for the quorum, kept with every change of
-- attendance so that a vote checks the quorum without reading the roll.
CREATE TABLE gov_meetings (
    id INTEGER PRIMARY KEY,
    organisation_id INTEGER NOT NULL REFERENCES organisations (id),
    body_id INTEGER NOT NULL,
    term_id INTEGER NOT NULL,
    title TEXT NOT NULL,
    state TEXT NOT NULL,
    starts_at TEXT NOT NULL,
    present INTEGER NOT NULL,
    members INTEGER NOT NULL,
    version INTEGER NOT NULL,
    doc TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX gov_meetings_org_idx ON gov_meetings (organisation_id, starts_at);

-- The roll of a meeting: every member of the body, present, absent or represented by proxy.
-- Holders are written `unit:ID` or `person:ID`.
CREATE TABLE gov_attendance (
    meeting_id INTEGER NOT NULL REFERENCES gov_meetings (id),
    holder TEXT NOT NULL,
    weight INTEGER NOT NULL,
    presence TEXT NOT NULL,
    carrier TEXT,
    CONSTRAINT gov_attendance_pk PRIMARY KEY (meeting_id, holder)
);

CREATE TABLE gov_polls (
    id INTEGER PRIMARY KEY,
    meeting_id INTEGER NOT NULL REFERENCES gov_meetings (id),
    secrecy TEXT NOT NULL,
    state TEXT NOT NULL
);
CREATE INDEX gov_polls_meeting_idx ON gov_polls (meeting_id);

-- Who may vote in a poll, snapshotted when it opens, and whether they have voted: the unique
-- key (poll, voter) with the conditional update of `voted` makes one vote per voter. `ballot`
-- is kept only for named polls; a secret poll's ballots are in gov_ballot_piles.
CREATE TABLE gov_poll_voters (
    poll_id INTEGER NOT NULL REFERENCES gov_polls (id),
    voter TEXT NOT NULL,
    cast_by TEXT NOT NULL,
    weight INTEGER NOT NULL,
    voted INTEGER NOT NULL DEFAULT 0,
    ballot TEXT,
    CONSTRAINT gov_poll_voters_pk PRIMARY KEY (poll_id, voter)
);
CREATE INDEX gov_poll_voters_cast_by_idx ON gov_poll_voters (poll_id, cast_by);

-- The secret ballots of a poll, one pile per distinct content: how many and their weight.
-- No voter, no time, no sequence; WITHOUT ROWID so that not even SQLite's row order tells
-- which content came first. Every vote rewrites every pile of its poll (see the store).
CREATE TABLE gov_ballot_piles (
    poll_id INTEGER NOT NULL REFERENCES gov_polls (id),
    content TEXT NOT NULL,
    ballots INTEGER NOT NULL,
    weight INTEGER NOT NULL,
    CONSTRAINT gov_ballot_piles_pk PRIMARY KEY (poll_id, content)
) WITHOUT ROWID;

-- Documents (the charter) with every version (federa_core Document).
CREATE TABLE gov_documents (
    id INTEGER PRIMARY KEY,
    organisation_id INTEGER NOT NULL REFERENCES organisations (id),
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    current_version INTEGER,
    version INTEGER NOT NULL,
    doc TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX gov_documents_org_idx ON gov_documents (organisation_id);

-- A user who speaks for a seat holder (a member unit or a person) in an organisation's bodies:
-- the delegate who signs in and votes for it.
CREATE TABLE gov_delegates (
    organisation_id INTEGER NOT NULL REFERENCES organisations (id),
    holder TEXT NOT NULL,
    user_id INTEGER NOT NULL REFERENCES users (id),
    created_at TEXT NOT NULL,
    CONSTRAINT gov_delegates_pk PRIMARY KEY (organisation_id, holder, user_id)
);
CREATE INDEX gov_delegates_user_idx ON gov_delegates (user_id);

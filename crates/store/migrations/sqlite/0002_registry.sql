-- The member registry, SQLite dialect (twin: postgres/0002_registry.sql, same tables, columns
-- and constraint names): people, individual memberships beside unit memberships, a unit's
-- representative and contacts, the membership categories each organisation defines, status
-- history, dues, and successions.

ALTER TABLE organisations ADD COLUMN registration_number TEXT;
-- Whether the public member directory may show the organisation (0/1).
ALTER TABLE organisations ADD COLUMN public INTEGER NOT NULL DEFAULT 0;
CREATE UNIQUE INDEX organisations_regno_uq ON organisations (registration_number)
    WHERE registration_number IS NOT NULL;
CREATE INDEX organisations_lower_name_idx ON organisations (LOWER(name));

-- A person, kept by the organisation whose registry lists them.
CREATE TABLE people (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    organisation_id INTEGER NOT NULL REFERENCES organisations (id),
    name TEXT NOT NULL,
    title TEXT,
    phone TEXT,
    email TEXT,
    public INTEGER NOT NULL DEFAULT 0,
    import_batch TEXT,
    import_row INTEGER,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX people_org_name_idx ON people (organisation_id, name);

-- Memberships now hold either a unit (member_id) or a person (person_id). SQLite cannot
-- relax a NOT NULL column in place, so the table is rebuilt with the same rows and ids.
CREATE TABLE memberships_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    organisation_id INTEGER NOT NULL REFERENCES organisations (id),
    member_id INTEGER REFERENCES organisations (id),
    category TEXT NOT NULL,
    joined TEXT NOT NULL,
    left_on TEXT,
    status TEXT NOT NULL,
    end_reason TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    person_id INTEGER REFERENCES people (id),
    continues_membership_id INTEGER REFERENCES memberships (id),
    import_batch TEXT,
    import_row INTEGER,
    -- The decision the first history row cites; empty for the plain membership forms.
    initial_decision_json TEXT,
    CONSTRAINT memberships_not_self CHECK (organisation_id <> member_id),
    CONSTRAINT memberships_one_member CHECK ((member_id IS NULL) <> (person_id IS NULL))
);
INSERT INTO memberships_new (id, organisation_id, member_id, category, joined, left_on, status,
    end_reason, created_at, updated_at)
SELECT id, organisation_id, member_id, category, joined, left_on, status, end_reason,
    created_at, updated_at FROM memberships;
DROP TABLE memberships;
ALTER TABLE memberships_new RENAME TO memberships;
CREATE UNIQUE INDEX memberships_open_uq ON memberships (organisation_id, member_id) WHERE left_on IS NULL;
CREATE UNIQUE INDEX memberships_person_open_uq ON memberships (organisation_id, person_id)
    WHERE left_on IS NULL AND person_id IS NOT NULL;
CREATE INDEX memberships_member_idx ON memberships (member_id);
CREATE INDEX memberships_person_idx ON memberships (person_id);
CREATE INDEX memberships_org_status_idx ON memberships (organisation_id, status, category);
CREATE INDEX memberships_org_joined_idx ON memberships (organisation_id, joined);

-- A unit's representative (at most one) and contact people.
CREATE TABLE membership_people (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    membership_id INTEGER NOT NULL REFERENCES memberships (id),
    person_id INTEGER NOT NULL REFERENCES people (id),
    role TEXT NOT NULL,
    representative INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    CONSTRAINT membership_people_uq UNIQUE (membership_id, person_id, role)
);
CREATE UNIQUE INDEX membership_people_rep_uq ON membership_people (membership_id)
    WHERE representative = 1;
CREATE INDEX membership_people_person_idx ON membership_people (person_id);

-- The membership categories an organisation defines (副会长单位, 理事单位, 会员单位 ...).
CREATE TABLE membership_categories (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    organisation_id INTEGER NOT NULL REFERENCES organisations (id),
    key TEXT NOT NULL,
    name TEXT NOT NULL,
    name_en TEXT,
    rank INTEGER NOT NULL DEFAULT 0,
    annual_dues_fen INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    CONSTRAINT membership_categories_key_uq UNIQUE (organisation_id, key),
    CONSTRAINT membership_categories_name_uq UNIQUE (organisation_id, name)
);

-- Once an organisation defines categories, a membership's category must name one of them (by
-- key or name), whichever code path writes it.
CREATE TRIGGER memberships_category_insert BEFORE INSERT ON memberships
WHEN EXISTS (SELECT 1 FROM membership_categories c WHERE c.organisation_id = NEW.organisation_id)
 AND NOT EXISTS (SELECT 1 FROM membership_categories c WHERE c.organisation_id = NEW.organisation_id
                 AND (c.key = NEW.category OR c.name = NEW.category))
BEGIN
    SELECT RAISE(ABORT, 'unknown_category');
END;
CREATE TRIGGER memberships_category_update BEFORE UPDATE OF category ON memberships
WHEN NEW.category <> OLD.category
 AND EXISTS (SELECT 1 FROM membership_categories c WHERE c.organisation_id = NEW.organisation_id)
 AND NOT EXISTS (SELECT 1 FROM membership_categories c WHERE c.organisation_id = NEW.organisation_id
                 AND (c.key = NEW.category OR c.name = NEW.category))
BEGIN
    SELECT RAISE(ABORT, 'unknown_category');
END;

-- Every change of a membership's status, never overwritten. The registry writes each row with
-- its decision before it changes the status; the triggers record changes made by any other
-- path (the plain membership forms) as `recorded`, so the history is complete.
CREATE TABLE membership_status_changes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    membership_id INTEGER NOT NULL REFERENCES memberships (id),
    seq INTEGER NOT NULL,
    from_status TEXT,
    to_status TEXT NOT NULL,
    on_date TEXT NOT NULL,
    decision_json TEXT NOT NULL,
    created_at TEXT NOT NULL,
    CONSTRAINT membership_status_changes_uq UNIQUE (membership_id, seq)
);
CREATE TRIGGER memberships_history_insert AFTER INSERT ON memberships
WHEN NOT EXISTS (SELECT 1 FROM membership_status_changes h WHERE h.membership_id = NEW.id)
BEGIN
    INSERT INTO membership_status_changes (membership_id, seq, from_status, to_status, on_date,
        decision_json, created_at)
    VALUES (NEW.id, 1, NULL, NEW.status, NEW.joined,
        COALESCE(NEW.initial_decision_json, '{"by":"recorded"}'), NEW.created_at);
END;
CREATE TRIGGER memberships_history_update AFTER UPDATE OF status ON memberships
WHEN NEW.status <> OLD.status
 AND (SELECT h.to_status FROM membership_status_changes h WHERE h.membership_id = NEW.id
      ORDER BY h.seq DESC LIMIT 1) IS NOT NEW.status
BEGIN
    INSERT INTO membership_status_changes (membership_id, seq, from_status, to_status, on_date,
        decision_json, created_at)
    VALUES (NEW.id,
        (SELECT COALESCE(MAX(h.seq), 0) + 1 FROM membership_status_changes h WHERE h.membership_id = NEW.id),
        OLD.status, NEW.status, COALESCE(NEW.left_on, date('now')), '{"by":"recorded"}', NEW.updated_at);
END;
CREATE TRIGGER membership_status_changes_no_update BEFORE UPDATE ON membership_status_changes
BEGIN
    SELECT RAISE(ABORT, 'membership_status_changes is append-only');
END;
CREATE TRIGGER membership_status_changes_no_delete BEFORE DELETE ON membership_status_changes
BEGIN
    SELECT RAISE(ABORT, 'membership_status_changes is append-only');
END;

-- Dues per membership and year, in fen, and the payments towards them.
CREATE TABLE dues_years (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    membership_id INTEGER NOT NULL REFERENCES memberships (id),
    year INTEGER NOT NULL,
    due_fen INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    CONSTRAINT dues_years_uq UNIQUE (membership_id, year),
    CONSTRAINT dues_years_due_check CHECK (due_fen >= 0)
);
CREATE INDEX dues_years_year_idx ON dues_years (year);
CREATE TABLE dues_payments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    dues_year_id INTEGER NOT NULL REFERENCES dues_years (id),
    on_date TEXT NOT NULL,
    amount_fen INTEGER NOT NULL,
    reference TEXT,
    created_at TEXT NOT NULL,
    CONSTRAINT dues_payments_amount_check CHECK (amount_fen > 0)
);
CREATE INDEX dues_payments_year_idx ON dues_payments (dues_year_id);

-- One organisation succeeded by another, which took over its members, people and history.
CREATE TABLE successions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    predecessor_id INTEGER NOT NULL REFERENCES organisations (id),
    successor_id INTEGER NOT NULL REFERENCES organisations (id),
    on_date TEXT NOT NULL,
    decision_json TEXT NOT NULL,
    plan_json TEXT NOT NULL,
    created_at TEXT NOT NULL,
    CONSTRAINT successions_predecessor_uq UNIQUE (predecessor_id)
);
CREATE INDEX successions_successor_idx ON successions (successor_id);

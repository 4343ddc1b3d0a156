-- Bulk import writes the history and the search index of its rows itself, SQLite dialect
-- (twin: postgres/0007_bulk_import.sql).
--
-- While `bulk_import` holds a row, a new membership records no first status change and a new
-- organisation enters no text index: the import writes both for each batch in one statement,
-- the same values the triggers write. The import inserts the row inside its transaction and
-- deletes it before the commit, so no other connection ever sees it, and a failed import
-- takes it back with everything else. Every other writer leaves the table empty.

CREATE TABLE bulk_import (
    active INTEGER NOT NULL
);

DROP TRIGGER memberships_history_insert;
CREATE TRIGGER memberships_history_insert AFTER INSERT ON memberships
WHEN NOT EXISTS (SELECT 1 FROM membership_status_changes h WHERE h.membership_id = NEW.id)
 AND NOT EXISTS (SELECT 1 FROM bulk_import)
BEGIN
    INSERT INTO membership_status_changes (membership_id, seq, from_status, to_status, on_date,
        decision_json, created_at)
    VALUES (NEW.id, 1, NULL, NEW.status, NEW.joined,
        COALESCE(NEW.initial_decision_json, '{"by":"recorded"}'), NEW.created_at);
END;

DROP TRIGGER organisations_text_insert;
CREATE TRIGGER organisations_text_insert AFTER INSERT ON organisations
WHEN NOT EXISTS (SELECT 1 FROM bulk_import)
BEGIN
    INSERT INTO organisations_text (rowid, name, short_name, registration_number)
    VALUES (NEW.id, NEW.name, NEW.short_name, NEW.registration_number);
END;
